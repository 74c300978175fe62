package dev.runlaw.math.live;

import dev.runlaw.math.fit.FitResult;
import dev.runlaw.math.fit.RunObservations;
import dev.runlaw.math.forecast.Forecast;
import dev.runlaw.math.fit.PreparedCurveCache;
import dev.runlaw.math.forecast.ForecastModel;
import dev.runlaw.math.schedule.LrSchedule;
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
 * 2*10^4 or 2*10^6 steps are planned; with per-step schedules it took 1.4-3, 9-12 and 83-93 ms. The multi-power law prepares a piecewise
 * schedule in O(knots + points x log steps) too (closed-form drop sums per segment, {@code KnotDropPrefix}); its
 * warm refit is then dominated by the LM evaluations of its kernel blocks: about 20-90 ms on a 72 000-step run and
 * 0.2-0.4 s on a 10^6-step run with auto and three references on a loaded 2-core machine ({@code WarmRefitTiming},
 * docs/benchmarks.md): choose the law and {@code fullSelectEvery} accordingly. Setting a plan ({@link #plan}) still expands the spec step by step once, for
 * the planned {@link LrTrack}.
 *
 * <p><b>Serialization</b>: {@link #toBytes()} / {@link #fromBytes} round-trip exactly (a versioned binary format,
 * first byte {@link #FORMAT_VERSION}, see {@link RunTrackerCodec}). The previous model itself is not kept (its seed is), so a restored tracker
 * forecasts exactly as the original would have.
 *
 * <p>Pure (no clock: wall times come with the input), mutable, not thread-safe: one per run, owned by one keyed
 * operator.
 *
 * <p>Parts apart: the binary form ({@link RunTrackerCodec}), the bad-input counts and their status ranking
 * ({@link InputCounts}), the forecast schedule's assembly ({@link ForecastSchedule}) and the curve and what-ifs
 * ({@link WhatIfForecasts}). What stays (past 500 lines, a sixth of them this comment) is the state, the input
 * checks that update it and the one forecast path that reads it, together because each reads most of the state.
 */
public final class RunTracker {
    /**
     * Loss points kept exactly per run: twice {@link LossSummary#DEFAULT_CAPACITY}, so that a finished 72 000-step
     * reference curve (546 measured points) is still exact when published as a reference; worst case the state is
     * then about 57 KB (two full LR tracks of 1024 knots at 16 bytes, 1024 buckets at 24 bytes).
     */
    public static final int LOSS_CAPACITY = 1024;
    /**
     * First byte of {@link #toBytes()}: 2 since session 7 (the planned track is left out when a spec is given:
     * it is rebuilt from the spec); version 1 bytes are still read.
     */
    public static final byte FORMAT_VERSION = 2;
    /** An observed LR differing from the planned one by more than this fraction of the planned peak contradicts it. */
    public static final double CONTRADICTION_FRACTION = 0.01;
    /** Post-warmup loss points this run needs before it is forecast without a reference run. */
    public static final int MIN_POINTS = 8;
    /** Floor of the what-if decays when the spec gives no {@code min_lr}: this fraction of the peak LR. */
    public static final double DEFAULT_FLOOR_FRACTION = 0.1;
    /** Default {@code decay_now} cooldown as a fraction of its decay start (the WSD rule of thumb). */
    public static final double DEFAULT_COOLDOWN_FRACTION = 0.2;

    // State, package-private for RunTrackerCodec (the binary form); nothing else in the package writes it.
    final String runId;
    final String familyId;
    ScheduleSpec spec;
    String specError;
    LrTrack planned;
    long plannedTotalSteps;
    Target target;
    LrTrack observedLr = LrTrack.create();
    LossSummary losses = LossSummary.create(LOSS_CAPACITY);
    long lastStep = -1;
    boolean pastWarmup;
    double lastLoss = Double.NaN;
    long lastWallTimeMs;
    int pointsSinceForecast;
    long forecasts;
    boolean finished;
    long finalStep = -1;
    final InputCounts counts = new InputCounts();
    long referenceKey;
    String modelLaw;
    ForecastModel.Seed seed;
    /** The plan as a piecewise schedule ({@link #plannedSchedule()}); derived, never serialized. */
    private LrSchedule plannedCache;
    /** Knots of {@link #plannedCache} (0 without a plan); derived with it. */
    private int plannedKnots;

    RunTracker(String runId, String familyId) {
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
                this.spec = specOrNull;
                planFromSpec();
            } catch (IllegalArgumentException e) {
                this.spec = null;
                this.planned = null;
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
        counts.resetContradictions();
        if (planned != null && !observedLr.isEmpty()) {
            long[] ks = observedLr.knotSteps();
            double[] kv = observedLr.knotValues();
            for (int i = 0; i < ks.length; i++) {
                if (contradicts(ks[i], kv[i])) {
                    counts.countContradiction(ks[i]);
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
            counts.duplicates++;
            return StepOutcome.DUPLICATE;
        }
        if (step < lastStep || step < 0) {
            counts.outOfOrder++;
            return StepOutcome.OUT_OF_ORDER;
        }
        if (!Double.isFinite(lr) || lr < 0) {
            counts.invalidLr++;
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
            counts.countContradiction(step);
            out = StepOutcome.LR_CONTRADICTS_SCHEDULE;
        }
        if (Double.isNaN(loss)) {
            return out;
        }
        if (!Double.isFinite(loss) || !(loss > 0)) {
            counts.countNan(step);
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
        counts.countNan(step);
        lastWallTimeMs = Math.max(lastWallTimeMs, wallTimeMs);
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
        return counts.toArray();
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
     *   <li>what-ifs, on the first forecast and every {@link ForecastSettings#whatIfEvery()}-th after it;</li>
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
        return forecast(references, settings, null);
    }

    /**
     * As {@link #forecast(List, ForecastSettings)}, with the law's schedule terms of the runs taken from
     * {@code curves} (null: none kept): a task that passes the same cache and the same reference objects at every
     * refit prepares each reference once, not at every refit. The forecast is exactly the same either way.
     */
    public LiveForecast forecast(List<RunObservations> references, ForecastSettings settings,
                                 PreparedCurveCache curves) {
        pointsSinceForecast = 0;
        forecasts++;
        List<String> issues = new ArrayList<>();
        boolean missing = planned == null;
        counts.addIssues(issues);
        if (specError != null) {
            issues.add("schedule spec unusable: " + specError);
        }
        if (missing) {
            issues.add("SCHEDULE_MISSING: no planned schedule; forecast holds the last observed LR constant to the "
                    + "planned final step");
        }
        counts.addIgnoredStepIssues(issues);
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
            return empty(counts.rank(missing, true), issues, refNames, finalAt);
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
            LrSchedule plan = plannedSchedule();
            schedule = ForecastSchedule.assemble(observedLr, plan, plannedKnots, lastStep, finalAt, issues);
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
            return empty(counts.rank(missing, true), issues, refNames, finalAt);
        }
        if (!losses.exact()) {
            issues.add(String.format(Locale.ROOT, "loss summary merged: %d points as %d buckets of %.0f",
                    losses.observed(), losses.size(), losses.bucketWidth()));
        }
        try {
            return fitAndForecast(refs, refNames, own, schedule, finalAt, settings, issues, missing, curves);
        } catch (RuntimeException e) {
            // Last line of defence (e.g. a malformed reference): a status, never an exception in the job.
            seed = null;
            issues.add("FIT_FAILED: " + e.getClass().getSimpleName() + ": " + e.getMessage());
            return empty(Status.FIT_FAILED, issues, refNames, finalAt);
        }
    }

    private LiveForecast fitAndForecast(List<RunObservations> refs, List<String> refNames, RunObservations own,
                                        LrSchedule schedule, long finalAt, ForecastSettings settings,
                                        List<String> issues, boolean missing, PreparedCurveCache curves) {
        List<RunObservations> runs = new ArrayList<>(refs);
        runs.add(own);
        long key = referenceKey(refs);
        boolean full = seed == null || !settings.law().equals(modelLaw) || key != referenceKey
                || (forecasts - 1) % settings.fullSelectEvery() == 0;
        ForecastModel model;
        if (curves == null) {
            model = full ? ForecastModel.select(runs, settings.law(), true) : ForecastModel.refit(seed, runs);
        } else {
            model = full ? ForecastModel.select(runs, settings.law(), true, curves)
                    : ForecastModel.refit(seed, runs, curves);
        }
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
        long[] cs = WhatIfForecasts.curveSteps(lastStep + 1, finalAt, settings.curvePoints());
        if (cs.length > 0) {
            curve.addAll(List.of(model.forecast(schedule, cs, lastStep)));
        }
        // What-ifs on the first forecast and every whatIfEvery-th after it (counted in the state: same on a restore).
        List<WhatIf> whatIfs = (forecasts - 1) % settings.whatIfEvery() == 0
                ? WhatIfForecasts.whatIfs(model, schedule, lastStep, finalAt, observedLr.maxLrSeen(), spec, settings)
                : List.of();
        Map<String, Double> params = model.params();
        double rms = 0;
        double[] w = model.weights();
        for (int i = 0; i < w.length; i++) {
            rms += w[i] * model.fits().get(i).rmsLogResidual();
        }
        Status status = failed ? Status.FIT_FAILED : counts.rank(missing, false);
        return new LiveForecast(runId, lastStep, losses.observed(), lastWallTimeMs, status, issues, model.name(),
                new ArrayList<>(params.keySet()), params.values().stream().mapToDouble(Double::doubleValue).toArray(),
                rms, model.fits().get(0).points(), refNames, finalAt, fin, curve, whatIfs);
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
            plannedKnots = plannedCache == null ? 0 : plannedCache.knotSteps().length;
        }
        return plannedCache;
    }

    /**
     * Sets the planned track (and the derived planned schedule) from {@link #spec}: at {@link #plan}, and when
     * bytes that leave the track out because it is the spec's are decoded ({@link RunTrackerCodec}), so both build
     * it the same way.
     *
     * @throws IllegalArgumentException when the spec cannot be built piecewise
     */
    void planFromSpec() {
        LrSchedule s = spec.toPiecewise(LrTrack.DEFAULT_TOLERANCE);
        this.planned = LrTrack.of(s.knotSteps(), s.knotValues());
        this.plannedCache = s;
        this.plannedKnots = s.knotSteps().length;
    }

    /** Whether the planned track is the spec's, so the state need not hold it (it is rebuilt from the spec). */
    boolean plannedFromSpec() {
        return spec != null && planned != null;
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

    /** The state as bytes: first byte {@link #FORMAT_VERSION}, then a fixed field order ({@link RunTrackerCodec}). */
    public byte[] toBytes() {
        return RunTrackerCodec.encode(this);
    }

    /**
     * A tracker from {@link #toBytes()}; exact round trip.
     *
     * @throws IllegalArgumentException for an unknown version or malformed bytes
     */
    public static RunTracker fromBytes(byte[] bytes) {
        return RunTrackerCodec.decode(bytes);
    }

    @Override
    public String toString() {
        return "RunTracker[" + runId + " (" + familyId + "), last step " + lastStep + ", " + losses + ", "
                + observedLr + "]";
    }
}
