package dev.runlaw.math.live;

import dev.runlaw.math.fit.FitResult;
import dev.runlaw.math.fit.RunObservations;
import dev.runlaw.math.forecast.Forecast;
import dev.runlaw.math.forecast.ForecastModel;
import dev.runlaw.math.schedule.Decay;
import dev.runlaw.math.schedule.LrSchedule;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Everything the live forecast job keeps for one run, in bounded memory, and the forecast made from it.
 *
 * <p><b>State</b> (bounded whatever the run's length; {@link #serializedBytes()} stays under 64 KB with the
 * defaults): the planned schedule (the {@link ScheduleSpec} when given, and the planned per-step LR as an
 * {@link LrTrack}), the observed LR as an {@link LrTrack} (within {@link LrTrack#tolerance()} of every LR received),
 * the measured post-warmup losses as a {@link LossSummary} (exact up to {@link #LOSS_CAPACITY} points), counters of bad input, the target, and
 * the warm-start state of the last model ({@link ForecastModel.Seed}: hyper-parameters and parameter vectors).
 *
 * <p><b>Input checks</b> ({@link #observe}): a step equal to the last one is a {@link StepOutcome#DUPLICATE}, one
 * before it {@link StepOutcome#OUT_OF_ORDER}; both are ignored and counted. A NaN loss means "not measured at this
 * step"; an infinite or non-positive one (and any reported by {@link #noteNonFiniteLoss}) is counted as
 * {@link StepOutcome#NAN_LOSS}, its point skipped; from then on the status stays {@link Status#NAN_LOSS} (the run
 * probably diverged; forecasts still come from the finite points, flagged). An observed LR differing from the planned
 * LR at that step by more than {@link #CONTRADICTION_FRACTION} of the planned peak LR is counted as a contradiction
 * ({@link Status#SCHEDULE_CONTRADICTS_LR}); when the plan arrives after some steps, the observed track's knots are
 * checked against it then.
 *
 * <p><b>Forecast</b> ({@link #forecast}): the runs fitted are the caller's references (finished runs of the family;
 * one named like this run is left out) plus this run's observations up to {@link #lastStep()}. The schedule of this
 * run, for fitting and forecasting, is its observed LR track for the past (planned LR before the first observed step,
 * when the job joined late) and the planned schedule after {@link #lastStep()}; without a plan, the last observed LR
 * held constant up to {@link #plannedFinalStep()} (status {@link Status#SCHEDULE_MISSING}). The model is
 * {@link ForecastModel#select}{@code (runs, law, true)} (balanced runs, as the backtest's observe mode) on the first
 * forecast, every {@link ForecastSettings#fullSelectEvery()}-th, and whenever the references (names, sizes, last
 * steps, in the order given: pass them in a stable order, e.g. by run id) or the law changed;
 * otherwise {@link ForecastModel#refit(ForecastModel.Seed, List)} from the previous model's seed. Forecasts use
 * {@code lastObservedStep = lastStep()}, as the backtest does with its cut. Emitted: the final forecast at
 * {@link #plannedFinalStep()}, a curve, and what-ifs (see {@link #forecast}).
 *
 * <p><b>Offline equivalence</b>: with at most {@link #LOSS_CAPACITY} loss points, an LR that the
 * tracks reproduce (linear and constant stretches exactly up to rounding, others within
 * {@link LrTrack#DEFAULT_TOLERANCE} relative) and a schedule spec equal to the backtest's LR column, the forecast
 * equals the backtest's ({@code Backtest} with the same references and cut) to about 1e-9 relative; a spec with a
 * cosine or exponential decay is followed within {@link LrTrack#DEFAULT_TOLERANCE} of its peak LR, which moves the
 * forecast by about 5e-8 relative (measured on cosine_72000); see {@code RunTrackerEquivalenceTest}.
 *
 * <p><b>Cost</b>: the forecast schedule is piecewise-linear (the observed track's knots, then the plan's: a spec built
 * piecewise, its cosine or exponential decay within {@link LrTrack#DEFAULT_TOLERANCE} of the peak LR), so the
 * momentum law's areas, the what-ifs and the forecasts cost O(knots + points), not O(planned steps); the spec's knots
 * are cached in the tracker but not serialized (rebuilt in O(knots) after {@link #fromBytes}). Measured
 * ({@code RefitTiming}, loaded 2-core machine): a warm momentum refit of a cosine run at step ~1 500 with a loss every
 * step takes 1-2 ms (0.8 ms on a quiet machine, mostly the fit and the per-point forecast bookkeeping) whether
 * 2*10^4 or 2*10^6 steps are planned; with per-step schedules it took 1.4-3, 9-12 and 83-93 ms. The multi-power law still walks every step of
 * the schedule (materialised once per schedule): with two references on a 72 000-step run auto takes about 1.4 s
 * per full selection and 0.1 s per warm refit, and about 50 s and 5 s on a 10^6-step run: choose the law and
 * {@code fullSelectEvery} accordingly. Setting a plan ({@link #plan}) still expands the spec step by step once, for
 * the planned {@link LrTrack}.
 *
 * <p><b>Serialization</b>: {@link #toBytes()} / {@link #fromBytes} round-trip exactly (a versioned binary format,
 * first byte {@link #FORMAT_VERSION}). The previous model itself is not kept (its seed is), so a restored tracker
 * forecasts exactly as the original would have.
 *
 * <p>Pure (no clock: wall times come with the input), mutable, not thread-safe: one per run, owned by one keyed
 * operator.
 */
public final class RunTracker {
    /**
     * Loss points kept exactly per run: twice {@link LossSummary#DEFAULT_CAPACITY}, so that a finished 72 000-step
     * reference curve (546 measured points) is still exact when published as a reference; worst case the state is
     * then about 57 KB (two full LR tracks of 1024 knots at 16 bytes, 1024 buckets at 24 bytes).
     */
    public static final int LOSS_CAPACITY = 1024;
    /** First byte of {@link #toBytes()}. */
    public static final byte FORMAT_VERSION = 1;
    /** An observed LR differing from the planned one by more than this fraction of the planned peak contradicts it. */
    public static final double CONTRADICTION_FRACTION = 0.01;
    /** Post-warmup loss points this run needs before it is forecast without a reference run. */
    public static final int MIN_POINTS = 8;
    /** Floor of the what-if decays when the spec gives no {@code min_lr}: this fraction of the peak LR. */
    public static final double DEFAULT_FLOOR_FRACTION = 0.1;
    /** Default {@code decay_now} cooldown as a fraction of its decay start (the WSD rule of thumb). */
    public static final double DEFAULT_COOLDOWN_FRACTION = 0.2;

    private final String runId;
    private final String familyId;
    private ScheduleSpec spec;
    private String specError;
    private LrTrack planned;
    private long plannedTotalSteps;
    private Target target;
    private LrTrack observedLr = LrTrack.create();
    private LossSummary losses = LossSummary.create(LOSS_CAPACITY);
    private long lastStep = -1;
    private boolean pastWarmup;
    private double lastLoss = Double.NaN;
    private long lastWallTimeMs;
    private int pointsSinceForecast;
    private long forecasts;
    private boolean finished;
    private long finalStep = -1;
    private long duplicates;
    private long outOfOrder;
    private long nanLosses;
    private long firstNanStep = -1;
    private long contradictions;
    private long firstContradictionStep = -1;
    private long invalidLr;
    private long referenceKey;
    private String modelLaw;
    private ForecastModel.Seed seed;
    /** The plan as a piecewise schedule ({@link #plannedSchedule()}); derived, never serialized. */
    private LrSchedule plannedCache;

    private RunTracker(String runId, String familyId) {
        this.runId = runId;
        this.familyId = familyId == null ? "" : familyId;
    }

    /** An empty tracker for a run. */
    public static RunTracker create(String runId, String familyId) {
        if (runId == null || runId.isEmpty()) {
            throw new IllegalArgumentException("run id is required");
        }
        return new RunTracker(runId, familyId);
    }

    /**
     * Sets (or replaces) the run's plan, from its {@code RunStarted} record; may arrive before or after steps.
     * Planned schedule = the spec when given and valid, else {@code lrPerStep} (LR of steps 0, 1, ...), else none
     * ({@link Status#SCHEDULE_MISSING}). An invalid spec (e.g. {@code CUSTOM}) is reported in the issues and the per-step
     * LR used instead when given. The planned LR is kept as an {@link LrTrack}. Contradictions are recounted: the
     * observed track's knots are checked against the new plan.
     *
     * @param plannedTotalSteps the planned number of steps (final step = {@code plannedTotalSteps - 1}); 0 or less to
     *                          take it from the spec or the per-step LR
     */
    public void plan(ScheduleSpec specOrNull, double[] lrPerStepOrNull, long plannedTotalSteps) {
        this.spec = null;
        this.specError = null;
        this.planned = null;
        this.plannedCache = null;
        this.plannedTotalSteps = plannedTotalSteps;
        if (specOrNull != null) {
            try {
                // Straight to knots: expanding the spec step by step would cost O(total steps) per RunStarted (and
                // 8 bytes a step: a spec of 10^9 steps must not allocate gigabytes).
                LrSchedule s = specOrNull.toPiecewise(LrTrack.DEFAULT_TOLERANCE);
                this.spec = specOrNull;
                this.planned = LrTrack.of(s.knotSteps(), s.knotValues());
                this.plannedCache = s;
            } catch (IllegalArgumentException e) {
                this.specError = e.getMessage();
            }
        }
        if (planned == null && lrPerStepOrNull != null && lrPerStepOrNull.length > 0) {
            try {
                this.planned = trackOf(lrPerStepOrNull);
            } catch (IllegalArgumentException e) {
                this.specError = (specError == null ? "" : specError + "; ") + "lr_per_step: " + e.getMessage();
            }
        }
        contradictions = 0;
        firstContradictionStep = -1;
        if (planned != null && !observedLr.isEmpty()) {
            long[] ks = observedLr.knotSteps();
            double[] kv = observedLr.knotValues();
            for (int i = 0; i < ks.length; i++) {
                if (contradicts(ks[i], kv[i])) {
                    countContradiction(ks[i]);
                }
            }
        }
    }

    private static LrTrack trackOf(double[] lr) {
        LrTrack t = LrTrack.create();
        for (int i = 0; i < lr.length; i++) {
            t.append(i, lr[i]);
        }
        return t;
    }

    /** Sets the run's target (null for none). */
    public void setTarget(Target targetOrNull) {
        this.target = targetOrNull;
    }

    /**
     * Records one step: its LR, and its loss (NaN when not measured at this step). See the class comment for the
     * outcomes; never throws for bad values.
     */
    public StepOutcome observe(long step, double lr, double loss, long wallTimeMs) {
        if (lastStep >= 0 && step == lastStep) {
            duplicates++;
            return StepOutcome.DUPLICATE;
        }
        if (step < lastStep || step < 0) {
            outOfOrder++;
            return StepOutcome.OUT_OF_ORDER;
        }
        if (!Double.isFinite(lr) || lr < 0) {
            invalidLr++;
            return StepOutcome.INVALID_LR;
        }
        // Warmup = the leading stretch of strictly increasing LR, as LrSchedule detects it; the fitter skips its
        // points (and the peak step's), so they are not stored: they would only widen the summary's merged buckets.
        boolean rising = !observedLr.isEmpty() && lr > observedLr.lastValue();
        if (!observedLr.isEmpty() && !rising) {
            pastWarmup = true;
        }
        observedLr.append(step, lr);
        lastStep = step;
        lastWallTimeMs = wallTimeMs;
        StepOutcome out = StepOutcome.ACCEPTED;
        if (contradicts(step, lr)) {
            countContradiction(step);
            out = StepOutcome.LR_CONTRADICTS_SCHEDULE;
        }
        if (Double.isNaN(loss)) {
            return out;
        }
        if (!Double.isFinite(loss) || !(loss > 0)) {
            countNan(step);
            return StepOutcome.NAN_LOSS;
        }
        if (pastWarmup) {
            losses.add(step, loss);
            lastLoss = loss;
            pointsSinceForecast++;
        }
        return out;
    }

    /** Records a step whose loss was NaN or infinite (rejected upstream): counted as {@link Status#NAN_LOSS}. */
    public void noteNonFiniteLoss(long step, long wallTimeMs) {
        countNan(step);
        lastWallTimeMs = Math.max(lastWallTimeMs, wallTimeMs);
    }

    private void countNan(long step) {
        nanLosses++;
        if (firstNanStep < 0) {
            firstNanStep = step;
        }
    }

    private void countContradiction(long step) {
        contradictions++;
        if (firstContradictionStep < 0) {
            firstContradictionStep = step;
        }
    }

    private boolean contradicts(long step, double lr) {
        if (planned == null || step < planned.firstStep() || step > planned.lastStep()) {
            return false;
        }
        return Math.abs(lr - planned.lrAt(step)) > CONTRADICTION_FRACTION * planned.maxLrSeen();
    }

    /** Marks the run finished at {@code finalStep} (its run-finished record). */
    public void finish(long finalStep) {
        this.finished = true;
        this.finalStep = finalStep;
    }

    public boolean finished() {
        return finished;
    }

    public String runId() {
        return runId;
    }

    public String familyId() {
        return familyId;
    }

    /** The last accepted step; -1 before any. */
    public long lastStep() {
        return lastStep;
    }

    /** Wall time of the last accepted step (epoch ms). */
    public long lastWallTimeMs() {
        return lastWallTimeMs;
    }

    /**
     * Measured loss points stored so far: those after the warmup (the leading stretch of strictly increasing LR,
     * whose points, like the peak step's, the fitter skips anyway).
     */
    public long observedPoints() {
        return losses.observed();
    }

    /** Loss points accepted since the last {@link #forecast} (the job's refit policy counts these). */
    public int pointsSinceForecast() {
        return pointsSinceForecast;
    }

    /**
     * The step the final forecast is for: {@code plannedTotalSteps - 1} when given, else the spec's last step, else
     * the per-step LR's last step, else the finished run's final step; -1 when unknown.
     */
    public long plannedFinalStep() {
        if (plannedTotalSteps > 0) {
            return plannedTotalSteps - 1;
        }
        if (spec != null) {
            return spec.totalSteps() - 1;
        }
        if (planned != null) {
            return planned.lastStep();
        }
        return finished ? finalStep : -1;
    }

    public Target target() {
        return target;
    }

    /** The final step given to {@link #finish}; -1 before. */
    public long finalStep() {
        return finalStep;
    }

    /** The last measured (finite) loss stored; NaN before any. For {@code RunReference.final_loss}. */
    public double lastLoss() {
        return lastLoss;
    }

    /** Knot steps of the observed LR track (for {@code RunReference.lr_knot_steps}; rebuild with {@link LrTrack#of}). */
    public long[] lrKnotSteps() {
        return observedLr.isEmpty() ? new long[0] : observedLr.knotSteps();
    }

    /** Knot values of the observed LR track (for {@code RunReference.lr_knot_values}). */
    public double[] lrKnotValues() {
        return observedLr.isEmpty() ? new double[0] : observedLr.knotValues();
    }

    /** The loss summary's steps (for {@code RunReference.loss_steps}). */
    public long[] lossSteps() {
        return losses.steps();
    }

    /** The loss summary's losses (for {@code RunReference.losses}). */
    public double[] lossValues() {
        return losses.losses();
    }

    /** The spec in use, or null. */
    public ScheduleSpec spec() {
        return spec;
    }

    /** The observed LR track (live object: do not modify). */
    LrTrack observedLr() {
        return observedLr;
    }

    /** The planned LR track, or null (live object: do not modify). */
    LrTrack plannedLr() {
        return planned;
    }

    /** The loss summary (live object: do not modify). */
    LossSummary lossSummary() {
        return losses;
    }

    /** The warm-start state of the last model, or null. */
    public ForecastModel.Seed seed() {
        return seed;
    }

    /** Duplicate, out-of-order, non-finite-loss, contradiction and invalid-LR counts, in that order. */
    public long[] counts() {
        return new long[] {duplicates, outOfOrder, nanLosses, contradictions, invalidLr};
    }

    /**
     * This run's bounded summary as fitter input (name = run id): the loss summary's points under the observed LR
     * track ({@code firstStep..lastStep}). Losses measured during warmup are not stored (the fitter skips them).
     *
     * @throws IllegalStateException before any step
     */
    public RunObservations observations() {
        if (observedLr.isEmpty()) {
            throw new IllegalStateException(runId + ": no steps observed");
        }
        return new RunObservations(runId, observedLr.toSchedule(), losses.steps(), losses.losses());
    }

    /**
     * Fits and forecasts (see the class comment for the model). Resets {@link #pointsSinceForecast()}; keeps the
     * model's seed for the next warm refit. Never throws for bad data: problems come back as the status and issues.
     *
     * <ul>
     *   <li>final: the loss at {@link #plannedFinalStep()} (or at {@link #lastStep()} if the run is at or past it);</li>
     *   <li>curve: {@link ForecastSettings#curvePoints()} steps evenly spaced (rounded, distinct) from
     *       {@code lastStep + 1} to the planned final step;</li>
     *   <li>{@code decay_now}: {@code schedule.stopWithCooldown(lastStep, cooldown, floor, LINEAR)}, forecast at
     *       {@code lastStep + cooldown}; {@code decay_at_<f>} for each fraction with
     *       {@code D = round(f * plannedFinalStep) > lastStep}: {@code schedule.withDecay(D, plannedFinalStep, floor,
     *       LINEAR)} forecast at the planned final step. Floor = the spec's {@code min_lr} when positive, else
     *       {@link #DEFAULT_FLOOR_FRACTION} of the peak LR (and never above the LR the decay starts from);
     *       cooldown = {@link ForecastSettings#cooldownSteps()}, or {@link #DEFAULT_COOLDOWN_FRACTION} of
     *       {@code lastStep + 1}.</li>
     * </ul>
     * With no reference and no decay observed, the annealing parameters are not identifiable (Tissue et al. 2024,
     * arXiv 2408.11029: S2 ≈ 0 before any decay): post-decay forecasts then carry the Forecaster's wide prior-gain
     * interval, and the issues say so.
     */
    public LiveForecast forecast(List<RunObservations> references, ForecastSettings settings) {
        pointsSinceForecast = 0;
        forecasts++;
        List<String> issues = new ArrayList<>();
        boolean nan = nanLosses > 0;
        boolean contra = contradictions > 0;
        boolean missing = planned == null;
        if (nan) {
            issues.add(String.format(Locale.ROOT, "NAN_LOSS: %d non-finite loss(es), first at step %d: training "
                    + "probably diverged; forecast from the finite points", nanLosses, firstNanStep));
        }
        if (contra) {
            issues.add(String.format(Locale.ROOT, "SCHEDULE_CONTRADICTS_LR: %d observed LR(s) differ from the plan by "
                    + "more than %.0f%% of its peak, first at step %d; forecast uses the observed past and the "
                    + "planned future", contradictions, 100 * CONTRADICTION_FRACTION, firstContradictionStep));
        }
        if (specError != null) {
            issues.add("schedule spec unusable: " + specError);
        }
        if (missing) {
            issues.add("SCHEDULE_MISSING: no planned schedule; forecast holds the last observed LR constant to the "
                    + "planned final step");
        }
        if (outOfOrder > 0) {
            issues.add("OUT_OF_ORDER_STEPS: " + outOfOrder + " step(s) before the last one ignored");
        }
        if (duplicates > 0) {
            issues.add("DUPLICATE_STEPS: " + duplicates + " repeated step(s) ignored");
        }
        if (invalidLr > 0) {
            issues.add("INVALID_LR: " + invalidLr + " step(s) with a negative or non-finite LR ignored");
        }
        List<RunObservations> refs = new ArrayList<>();
        List<String> refNames = new ArrayList<>();
        for (RunObservations r : references == null ? List.<RunObservations>of() : references) {
            if (r != null && !r.name().equals(runId)) {
                refs.add(r);
                refNames.add(r.name());
            }
        }
        long finalAt = plannedFinalStep();
        if (observedLr.isEmpty()) {
            issues.add("WAITING_FOR_DATA: no steps observed");
            return empty(rank(false, nan, contra, missing, true), issues, refNames, finalAt);
        }
        if (finalAt < 0) {
            finalAt = lastStep;
            issues.add("planned final step unknown: forecasting the last observed step");
        } else if (finalAt <= lastStep) {
            issues.add("run is at or past its planned final step " + finalAt + ": forecasting step " + lastStep);
            finalAt = lastStep;
        }
        LrSchedule schedule;
        try {
            schedule = schedule(finalAt, issues);
        } catch (RuntimeException e) {
            issues.add("FIT_FAILED: cannot build the schedule: " + e.getMessage());
            seed = null;
            return empty(Status.FIT_FAILED, issues, refNames, finalAt);
        }
        RunObservations own = new RunObservations(runId, schedule, losses.steps(), losses.losses());
        int ownPost = 0;
        for (long s : losses.steps()) {
            if (s > schedule.peakStep()) {
                ownPost++;
            }
        }
        boolean usableRef = false;
        for (RunObservations r : refs) {
            int post = 0;
            for (long s : r.steps()) {
                if (r.schedule().contains(s) && s > r.schedule().peakStep()) {
                    post++;
                }
            }
            usableRef |= post >= MIN_POINTS;
        }
        if (ownPost < MIN_POINTS && !usableRef) {
            issues.add("WAITING_FOR_DATA: " + ownPost + " post-warmup loss point(s), need " + MIN_POINTS
                    + " or a finished reference run of the family");
            return empty(rank(false, nan, contra, missing, true), issues, refNames, finalAt);
        }
        if (!losses.exact()) {
            issues.add(String.format(Locale.ROOT, "loss summary merged: %d points as %d buckets of %.0f",
                    losses.observed(), losses.size(), losses.bucketWidth()));
        }
        try {
            return fitAndForecast(refs, refNames, own, schedule, finalAt, settings, issues, nan, contra, missing);
        } catch (RuntimeException e) {
            // Last line of defence (e.g. a malformed reference): a status, never an exception in the job.
            seed = null;
            issues.add("FIT_FAILED: " + e.getClass().getSimpleName() + ": " + e.getMessage());
            return empty(Status.FIT_FAILED, issues, refNames, finalAt);
        }
    }

    private LiveForecast fitAndForecast(List<RunObservations> refs, List<String> refNames, RunObservations own,
                                        LrSchedule schedule, long finalAt, ForecastSettings settings,
                                        List<String> issues, boolean nan, boolean contra, boolean missing) {
        List<RunObservations> runs = new ArrayList<>(refs);
        runs.add(own);
        long key = referenceKey(refs);
        boolean full = seed == null || !settings.law().equals(modelLaw) || key != referenceKey
                || (forecasts - 1) % settings.fullSelectEvery() == 0;
        ForecastModel model = full ? ForecastModel.select(runs, settings.law(), true)
                : ForecastModel.refit(seed, runs);
        referenceKey = key;
        modelLaw = settings.law();
        if (!model.ok()) {
            seed = null;
            for (FitResult f : model.fits()) {
                if (!f.ok()) {
                    issues.add("FIT_FAILED: " + f.law().name() + ": " + f.status() + ": " + f.message());
                }
            }
            return empty(Status.FIT_FAILED, issues, refNames, finalAt);
        }
        seed = model.seed();
        boolean annealingKnown = true;
        for (FitResult f : model.fits()) {
            annealingKnown &= f.annealingIdentified();
        }
        if (!annealingKnown) {
            issues.add("annealing not identified: no LR decay observed in this run or its references; "
                    + "post-decay forecasts carry a wide prior-gain interval");
        }
        Forecast fin = model.forecast(schedule, new long[] {finalAt}, lastStep)[0];
        boolean failed = !fin.ok();
        if (failed) {
            issues.add("FIT_FAILED: final forecast: " + fin.message());
        }
        List<Forecast> curve = new ArrayList<>();
        long[] cs = curveSteps(lastStep + 1, finalAt, settings.curvePoints());
        if (cs.length > 0) {
            curve.addAll(List.of(model.forecast(schedule, cs, lastStep)));
        }
        List<WhatIf> whatIfs = whatIfs(model, schedule, finalAt, settings);
        Map<String, Double> params = model.params();
        double rms = 0;
        double[] w = model.weights();
        for (int i = 0; i < w.length; i++) {
            rms += w[i] * model.fits().get(i).rmsLogResidual();
        }
        Status status = failed ? Status.FIT_FAILED : rank(false, nan, contra, missing, false);
        return new LiveForecast(runId, lastStep, losses.observed(), lastWallTimeMs, status, issues, model.name(),
                new ArrayList<>(params.keySet()), params.values().stream().mapToDouble(Double::doubleValue).toArray(),
                rms, model.fits().get(0).points(), refNames, finalAt, fin, curve, whatIfs);
    }

    private Status rank(boolean fitFailed, boolean nan, boolean contra, boolean missing, boolean waiting) {
        if (fitFailed) {
            return Status.FIT_FAILED;
        }
        if (nan) {
            return Status.NAN_LOSS;
        }
        if (contra) {
            return Status.SCHEDULE_CONTRADICTS_LR;
        }
        if (waiting) {
            // No forecast at all: that is what a reader needs first; a missing plan is still listed in the issues.
            return Status.WAITING_FOR_DATA;
        }
        if (missing) {
            return Status.SCHEDULE_MISSING;
        }
        if (outOfOrder > 0) {
            return Status.OUT_OF_ORDER_STEPS;
        }
        if (duplicates > 0) {
            return Status.DUPLICATE_STEPS;
        }
        return Status.OK;
    }

    private LiveForecast empty(Status status, List<String> issues, List<String> refNames, long finalAt) {
        return new LiveForecast(runId, lastStep, losses.observed(), lastWallTimeMs, status, issues, "", List.of(),
                new double[0], Double.NaN, 0, refNames, finalAt, null, List.of(), List.of());
    }

    /**
     * The planned schedule as a piecewise-linear one: the spec's ({@link ScheduleSpec#toPiecewise} at
     * {@link LrTrack#DEFAULT_TOLERANCE}) or the planned per-step LR's track; null without a plan. Cached, but not
     * part of the state ({@link #toBytes}): rebuilt from the spec or track after {@link #fromBytes}, in O(knots).
     */
    private LrSchedule plannedSchedule() {
        if (plannedCache == null) {
            if (spec != null) {
                plannedCache = spec.toPiecewise(LrTrack.DEFAULT_TOLERANCE);
            } else if (planned != null) {
                plannedCache = planned.toSchedule();
            }
        }
        return plannedCache;
    }

    /**
     * This run's schedule from its first (observed or planned) step to {@code finalAt}: planned LR before the first
     * observed step, observed LR track up to the last step, planned LR (or the last observed LR held) after it.
     * Piecewise-linear (the observed track's knots, then the plan's), so building it and the momentum law's areas
     * over it cost O(knots), not O(planned steps).
     */
    private LrSchedule schedule(long finalAt, List<String> issues) {
        long obsFirst = observedLr.firstStep();
        LrSchedule plan = plannedSchedule();
        long planFirst = plan == null ? 0 : plan.firstStep();
        long planLast = plan == null ? -1 : plan.lastStep();
        long first = plan != null && planFirst < obsFirst ? planFirst : obsFirst;
        long len = finalAt - first + 1;
        if (len > Integer.MAX_VALUE - 8) {
            // Kept from the per-step form: the multi-power law still needs the schedule as one array.
            throw new IllegalArgumentException("schedule of " + len + " steps is too long");
        }
        long[] os = observedLr.knotSteps();
        double[] ov = observedLr.knotValues();
        Knots k = new Knots(os.length + (plan == null ? 4 : 16));
        if (first < obsFirst) {
            // Joined late: the plan before the first observed step (the first observed LR where it has none).
            long e = Math.min(obsFirst - 1, planLast);
            k.range(plan, first, e);
            if (e < obsFirst - 1) {
                k.hold(e + 1, obsFirst - 1, ov[0]);
            }
        }
        for (int i = 0; i < os.length; i++) {
            k.add(os[i], ov[i]);
        }
        boolean extended = false;
        if (finalAt > lastStep) {
            long a = lastStep + 1;
            if (plan == null) {
                k.hold(a, finalAt, ov[ov.length - 1]);
            } else {
                double planEnd = plan.lrAt(planLast);
                if (a < planFirst) {
                    k.hold(a, Math.min(finalAt, planFirst - 1), planEnd);
                    extended = true;
                }
                long from = Math.max(a, planFirst);
                long to = Math.min(finalAt, planLast);
                if (from <= to) {
                    k.range(plan, from, to);
                }
                if (finalAt > planLast) {
                    k.hold(Math.max(a, planLast + 1), finalAt, planEnd);
                    extended = true;
                }
            }
        }
        if (extended) {
            issues.add("planned schedule ends before the planned final step " + finalAt + ": its last LR is held");
        }
        return LrSchedule.piecewiseLinear(k.steps(), k.values());
    }

    /** Knots of a schedule being assembled, increasing steps. */
    private static final class Knots {
        private long[] s;
        private double[] v;
        private int n;

        Knots(int capacity) {
            s = new long[Math.max(4, capacity)];
            v = new double[s.length];
        }

        void add(long step, double value) {
            if (n == s.length) {
                s = java.util.Arrays.copyOf(s, 2 * n);
                v = java.util.Arrays.copyOf(v, 2 * n);
            }
            s[n] = step;
            v[n] = value;
            n++;
        }

        /** A constant {@code value} over {@code from..to}. */
        void hold(long from, long to, double value) {
            add(from, value);
            if (to > from) {
                add(to, value);
            }
        }

        /** {@code src}'s LR over {@code from..to}: its value at both ends and its knots between. */
        void range(LrSchedule src, long from, long to) {
            add(from, src.lrAt(from));
            long[] ks = src.knotSteps();
            double[] kv = src.knotValues();
            for (int i = 0; i < ks.length; i++) {
                if (ks[i] > from && ks[i] < to) {
                    add(ks[i], kv[i]);
                }
            }
            if (to > from) {
                add(to, src.lrAt(to));
            }
        }

        long[] steps() {
            return java.util.Arrays.copyOf(s, n);
        }

        double[] values() {
            return java.util.Arrays.copyOf(v, n);
        }
    }

    private static long[] curveSteps(long from, long to, int n) {
        if (n <= 0 || to < from) {
            return new long[0];
        }
        if (n == 1 || to == from) {
            return new long[] {to};
        }
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long s = from + Math.round((double) (to - from) * i / (n - 1));
            if (out.isEmpty() || s > out.get(out.size() - 1)) {
                out.add(s);
            }
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    private List<WhatIf> whatIfs(ForecastModel model, LrSchedule schedule, long finalAt, ForecastSettings settings) {
        List<WhatIf> out = new ArrayList<>();
        double peak = Math.max(schedule.peakLr(), observedLr.maxLrSeen());
        double floor = spec != null && spec.minLr() > 0 ? spec.minLr() : DEFAULT_FLOOR_FRACTION * peak;
        long cooldown = settings.cooldownSteps() > 0 ? settings.cooldownSteps()
                : Math.max(1, Math.round(DEFAULT_COOLDOWN_FRACTION * (lastStep + 1)));
        if (lastStep > schedule.firstStep()) {
            double f = Math.min(floor, schedule.lrAt(lastStep));
            LrSchedule now = schedule.stopWithCooldown(lastStep, cooldown, f, Decay.LINEAR);
            long end = lastStep + cooldown;
            out.add(new WhatIf("decay_now", lastStep + 1, end, model.forecast(now, new long[] {end}, lastStep)[0]));
        }
        for (double frac : settings.whatIfFractions()) {
            long d = Math.round(frac * finalAt);
            if (d <= lastStep || d > finalAt) {
                continue;
            }
            double f = Math.min(floor, schedule.lrAt(d - 1));
            LrSchedule s = schedule.withDecay(d, finalAt, f, Decay.LINEAR);
            out.add(new WhatIf("decay_at_" + frac, d, finalAt, model.forecast(s, new long[] {finalAt}, lastStep)[0]));
        }
        return out;
    }

    /** A fingerprint of the reference set: names, point counts and last steps. */
    private static long referenceKey(List<RunObservations> refs) {
        long h = 1125899906842597L;
        for (RunObservations r : refs) {
            h = 31 * h + r.name().hashCode();
            h = 31 * h + r.size();
            long[] s = r.steps();
            h = 31 * h + (s.length > 0 ? s[s.length - 1] : -1);
            h = 31 * h + r.schedule().lastStep();
        }
        return h;
    }

    /** Size of {@link #toBytes()}. */
    public long serializedBytes() {
        return toBytes().length;
    }

    /** The state as bytes: first byte {@link #FORMAT_VERSION}, then a fixed field order (see {@link #fromBytes}). */
    public byte[] toBytes() {
        ByteArrayOutputStream bo = new ByteArrayOutputStream(4096);
        try (DataOutputStream o = new DataOutputStream(bo)) {
            o.writeByte(FORMAT_VERSION);
            o.writeUTF(runId);
            o.writeUTF(familyId);
            o.writeBoolean(spec != null);
            if (spec != null) {
                o.writeUTF(spec.kind());
                o.writeLong(spec.warmupSteps());
                o.writeDouble(spec.warmupInitLr());
                o.writeDouble(spec.peakLr());
                o.writeDouble(spec.minLr());
                o.writeLong(spec.decayStartStep());
                o.writeLong(spec.totalSteps());
                long[] m = spec.milestones();
                o.writeInt(m.length);
                for (long x : m) {
                    o.writeLong(x);
                }
                o.writeDouble(spec.gamma());
                o.writeLong(spec.cycleSteps());
            }
            writeNullableUtf(o, specError);
            o.writeBoolean(planned != null);
            if (planned != null) {
                writeTrack(o, planned);
            }
            o.writeLong(plannedTotalSteps);
            o.writeBoolean(target != null);
            if (target != null) {
                o.writeByte(target.kind().ordinal());
                o.writeDouble(target.loss());
            }
            writeTrack(o, observedLr);
            o.writeInt(losses.capacity());
            o.writeDouble(losses.bucketWidth());
            o.writeLong(losses.observed());
            o.writeLong(losses.lastStep());
            double[] rs = losses.rawSteps();
            double[] ls = losses.losses();
            double[] ws = losses.weights();
            o.writeInt(rs.length);
            for (int i = 0; i < rs.length; i++) {
                o.writeDouble(rs[i]);
                o.writeDouble(ls[i]);
                o.writeDouble(ws[i]);
            }
            o.writeLong(lastStep);
            o.writeBoolean(pastWarmup);
            o.writeDouble(lastLoss);
            o.writeLong(lastWallTimeMs);
            o.writeInt(pointsSinceForecast);
            o.writeLong(forecasts);
            o.writeBoolean(finished);
            o.writeLong(finalStep);
            o.writeLong(duplicates);
            o.writeLong(outOfOrder);
            o.writeLong(nanLosses);
            o.writeLong(firstNanStep);
            o.writeLong(contradictions);
            o.writeLong(firstContradictionStep);
            o.writeLong(invalidLr);
            o.writeLong(referenceKey);
            writeNullableUtf(o, modelLaw);
            o.writeBoolean(seed != null);
            if (seed != null) {
                o.writeUTF(seed.name());
                o.writeBoolean(seed.balanced());
                o.writeDouble(seed.priorStrength());
                o.writeInt(seed.headCopies());
                double[] w = seed.weights();
                o.writeInt(w.length);
                for (int i = 0; i < w.length; i++) {
                    ForecastModel.Member m = seed.members().get(i);
                    o.writeDouble(w[i]);
                    o.writeUTF(m.law());
                    o.writeDouble(m.lambda());
                    o.writeBoolean(m.annealingIdentified());
                    double[] p = m.params();
                    o.writeInt(p.length);
                    for (double x : p) {
                        o.writeDouble(x);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bo.toByteArray();
    }

    /**
     * A tracker from {@link #toBytes()}; exact round trip.
     *
     * @throws IllegalArgumentException for an unknown version or malformed bytes
     */
    public static RunTracker fromBytes(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            int version = in.readByte();
            if (version != FORMAT_VERSION) {
                throw new IllegalArgumentException("unknown RunTracker format version " + version);
            }
            RunTracker t = new RunTracker(in.readUTF(), in.readUTF());
            if (in.readBoolean()) {
                String kind = in.readUTF();
                long warm = in.readLong();
                double init = in.readDouble();
                double peak = in.readDouble();
                double min = in.readDouble();
                long decay = in.readLong();
                long total = in.readLong();
                long[] m = new long[checkedLength(in.readInt(), bytes.length)];
                for (int i = 0; i < m.length; i++) {
                    m[i] = in.readLong();
                }
                t.spec = new ScheduleSpec(kind, warm, init, peak, min, decay, total, m, in.readDouble(),
                        in.readLong());
            }
            t.specError = readNullableUtf(in);
            if (in.readBoolean()) {
                t.planned = readTrack(in, bytes.length);
            }
            t.plannedTotalSteps = in.readLong();
            if (in.readBoolean()) {
                int k = in.readByte();
                t.target = new Target(Target.Kind.values()[k], in.readDouble());
            }
            t.observedLr = readTrack(in, bytes.length);
            int capacity = in.readInt();
            double width = in.readDouble();
            long observed = in.readLong();
            long last = in.readLong();
            int n = checkedLength(in.readInt(), bytes.length);
            double[] rs = new double[n];
            double[] ls = new double[n];
            double[] ws = new double[n];
            for (int i = 0; i < n; i++) {
                rs[i] = in.readDouble();
                ls[i] = in.readDouble();
                ws[i] = in.readDouble();
            }
            t.losses = LossSummary.restore(capacity, width, observed, last, rs, ls, ws);
            t.lastStep = in.readLong();
            t.pastWarmup = in.readBoolean();
            t.lastLoss = in.readDouble();
            t.lastWallTimeMs = in.readLong();
            t.pointsSinceForecast = in.readInt();
            t.forecasts = in.readLong();
            t.finished = in.readBoolean();
            t.finalStep = in.readLong();
            t.duplicates = in.readLong();
            t.outOfOrder = in.readLong();
            t.nanLosses = in.readLong();
            t.firstNanStep = in.readLong();
            t.contradictions = in.readLong();
            t.firstContradictionStep = in.readLong();
            t.invalidLr = in.readLong();
            t.referenceKey = in.readLong();
            t.modelLaw = readNullableUtf(in);
            if (in.readBoolean()) {
                String name = in.readUTF();
                boolean balanced = in.readBoolean();
                double strength = in.readDouble();
                int copies = in.readInt();
                int members = checkedLength(in.readInt(), bytes.length);
                double[] w = new double[members];
                List<ForecastModel.Member> ms = new ArrayList<>();
                for (int i = 0; i < members; i++) {
                    w[i] = in.readDouble();
                    String law = in.readUTF();
                    double lambda = in.readDouble();
                    boolean annealing = in.readBoolean();
                    double[] p = new double[checkedLength(in.readInt(), bytes.length)];
                    for (int j = 0; j < p.length; j++) {
                        p[j] = in.readDouble();
                    }
                    ms.add(new ForecastModel.Member(law, lambda, annealing, p));
                }
                t.seed = new ForecastModel.Seed(name, balanced, strength, copies, w, ms);
            }
            if (in.available() != 0) {
                throw new IllegalArgumentException(in.available() + " trailing bytes");
            }
            return t;
        } catch (IOException | RuntimeException e) {
            if (e instanceof IllegalArgumentException iae) {
                throw iae;
            }
            throw new IllegalArgumentException("malformed RunTracker bytes: " + e, e);
        }
    }

    private static int checkedLength(int n, int total) {
        if (n < 0 || n > total) {
            throw new IllegalArgumentException("bad length " + n);
        }
        return n;
    }

    private static void writeNullableUtf(DataOutputStream o, String s) throws IOException {
        o.writeBoolean(s != null);
        if (s != null) {
            o.writeUTF(s.length() > 2000 ? s.substring(0, 2000) : s);
        }
    }

    private static String readNullableUtf(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }

    private static void writeTrack(DataOutputStream o, LrTrack t) throws IOException {
        o.writeDouble(t.currentTolerance());
        o.writeDouble(t.tolerance());
        o.writeInt(t.maxKnots());
        o.writeDouble(t.maxLr());
        long[] s = t.isEmpty() ? new long[0] : t.knotSteps();
        double[] v = t.isEmpty() ? new double[0] : t.knotValues();
        o.writeInt(s.length);
        for (int i = 0; i < s.length; i++) {
            o.writeLong(s[i]);
            o.writeDouble(v[i]);
        }
        o.writeBoolean(t.hasOpenSegment());
        o.writeDouble(t.slopeLo());
        o.writeDouble(t.slopeHi());
    }

    private static LrTrack readTrack(DataInputStream in, int total) throws IOException {
        double relTol = in.readDouble();
        double bound = in.readDouble();
        int maxKnots = in.readInt();
        double maxLr = in.readDouble();
        int n = checkedLength(in.readInt(), total);
        long[] s = new long[n];
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            s[i] = in.readLong();
            v[i] = in.readDouble();
        }
        boolean open = in.readBoolean();
        double lo = in.readDouble();
        double hi = in.readDouble();
        return LrTrack.restore(relTol, bound, maxKnots, maxLr, s, v, open, lo, hi);
    }

    @Override
    public String toString() {
        return "RunTracker[" + runId + " (" + familyId + "), last step " + lastStep + ", " + losses + ", "
                + observedLr + "]";
    }
}
