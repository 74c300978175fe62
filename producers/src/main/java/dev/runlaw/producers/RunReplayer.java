package dev.runlaw.producers;

import dev.runlaw.math.data.RunCurve;
import dev.runlaw.schema.EvalMetrics;
import dev.runlaw.schema.LrScheduleSpec;
import dev.runlaw.schema.StopTarget;
import dev.runlaw.schema.ModelFacts;
import dev.runlaw.schema.RunFinished;
import dev.runlaw.schema.RunStarted;
import dev.runlaw.schema.RunStatus;
import dev.runlaw.schema.StepMetrics;
import dev.runlaw.schema.validate.Limits;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.apache.avro.specific.SpecificRecord;

/**
 * Replays a recorded loss curve ({@link RunCurve}, the run format {@code step,lr,loss}) as a live training run.
 *
 * <p>Records, in order:
 * <ol>
 *   <li>{@link RunStarted}: run id, family id, {@code planned_total_steps} = the curve's last step, the CSV's
 *       per-step LR as {@code lr_per_step} (index = step, from step 0) when it has at most
 *       {@link Limits#maxLrPerStep()} entries, else null; {@code schedule} only if given with
 *       {@link #withSchedule}; tags {@code source}, {@code curve}, {@code replayed_by}, {@code loss_kind}.
 *       For a curve starting at step 1, {@code lr_per_step[0]} repeats the LR of step 1.</li>
 *   <li>One {@link StepMetrics} per step: {@code lr} from the CSV, {@code loss} where measured (null elsewhere),
 *       {@code tokens_seen} = step × batch tokens, {@code wall_time_ms} = start + step × step seconds.</li>
 *   <li>With {@link #withEvalMetrics(boolean)} (on by default), an {@link EvalMetrics} ({@code eval_set}
 *       "validation") right after each step with a measured loss. The bundled curves' losses are validation
 *       losses; they go in both places so that loss forecasts (which read step metrics) and the eval table both
 *       see them.</li>
 *   <li>{@link RunFinished} (COMPLETED, {@code final_step} = last step), unless only a fraction is replayed: a run
 *       cut short by {@link #withMaxFraction} is still running as far as consumers know (early-stop demos).</li>
 * </ol>
 * Everything is deterministic: wall times are synthetic (default start 2025-01-01T00:00:00Z, 1 s per step), so a
 * replay yields the same records every time. Only {@link #withStepsPerSecond} pacing uses the real clock.
 *
 * <p>Immutable; {@code with*} return modified copies.
 */
public final class RunReplayer {
    /** 2025-01-01T00:00:00Z. */
    public static final long DEFAULT_START_MS = 1_735_689_600_000L;

    private final RunCurve curve;
    private final String runId;
    private final String familyId;
    private final long startMs;
    private final double stepSeconds;
    private final long batchTokens;
    private final long totalParams;
    private final boolean evalMetrics;
    private final double maxFraction;
    private final double stepsPerSecond;
    private final String source;
    private final LrScheduleSpec schedule;
    private final Limits limits;
    private final Map<String, String> tags;
    /** planned_total_steps to announce; 0 = the curve's last step. */
    private final long plannedTotalSteps;
    private final StopTarget stopTarget;

    private RunReplayer(RunCurve curve, String runId, String familyId, long startMs, double stepSeconds,
                        long batchTokens, long totalParams, boolean evalMetrics, double maxFraction,
                        double stepsPerSecond, String source, LrScheduleSpec schedule, Limits limits,
                        Map<String, String> tags, long plannedTotalSteps, StopTarget stopTarget) {
        this.curve = Objects.requireNonNull(curve);
        this.runId = Objects.requireNonNull(runId);
        this.familyId = Objects.requireNonNull(familyId);
        this.startMs = startMs;
        this.stepSeconds = stepSeconds;
        this.batchTokens = batchTokens;
        this.totalParams = totalParams;
        this.evalMetrics = evalMetrics;
        this.maxFraction = maxFraction;
        this.stepsPerSecond = stepsPerSecond;
        this.source = source;
        this.schedule = schedule;
        this.limits = Objects.requireNonNull(limits);
        this.tags = Map.copyOf(tags);
        this.plannedTotalSteps = plannedTotalSteps;
        this.stopTarget = stopTarget;
    }

    /** A replayer of {@code curve} as run {@code runId}, with the defaults described on the class. */
    public static RunReplayer create(RunCurve curve, String runId) {
        if (runId == null || runId.isBlank()) {
            throw new IllegalArgumentException("run id must not be blank");
        }
        return new RunReplayer(curve, runId, "", DEFAULT_START_MS, 1.0, 0, 0, true, 1.0, 0.0, curve.name(), null,
                Limits.defaults(), Map.of(), 0L, null);
    }

    public RunReplayer withFamilyId(String familyId) {
        return new RunReplayer(curve, runId, familyId, startMs, stepSeconds, batchTokens, totalParams, evalMetrics,
                maxFraction, stepsPerSecond, source, schedule, limits, tags, plannedTotalSteps, stopTarget);
    }

    /** Wall time of step 0 (and {@code started_at_ms}), epoch ms. */
    public RunReplayer withStartMs(long startMs) {
        return new RunReplayer(curve, runId, familyId, startMs, stepSeconds, batchTokens, totalParams, evalMetrics,
                maxFraction, stepsPerSecond, source, schedule, limits, tags, plannedTotalSteps, stopTarget);
    }

    /** Synthetic seconds per optimizer step, > 0 (default 1). */
    public RunReplayer withStepSeconds(double stepSeconds) {
        if (!(stepSeconds > 0) || !Double.isFinite(stepSeconds)) {
            throw new IllegalArgumentException("stepSeconds must be > 0, got " + stepSeconds);
        }
        return new RunReplayer(curve, runId, familyId, startMs, stepSeconds, batchTokens, totalParams, evalMetrics,
                maxFraction, stepsPerSecond, source, schedule, limits, tags, plannedTotalSteps, stopTarget);
    }

    /** Tokens per optimizer step ({@code tokens_seen} = step × this; {@code batch_size_tokens}); default 0. */
    public RunReplayer withBatchTokens(long batchTokens) {
        if (batchTokens < 0) {
            throw new IllegalArgumentException("batchTokens must be >= 0, got " + batchTokens);
        }
        return new RunReplayer(curve, runId, familyId, startMs, stepSeconds, batchTokens, totalParams, evalMetrics,
                maxFraction, stepsPerSecond, source, schedule, limits, tags, plannedTotalSteps, stopTarget);
    }

    /** Model parameters for {@code RunStarted.model} (total = active: the sample runs are dense); default 0. */
    public RunReplayer withTotalParams(long totalParams) {
        return new RunReplayer(curve, runId, familyId, startMs, stepSeconds, batchTokens, totalParams, evalMetrics,
                maxFraction, stepsPerSecond, source, schedule, limits, tags, plannedTotalSteps, stopTarget);
    }

    /** Whether measured losses are also sent as {@link EvalMetrics} ("validation"); default true. */
    public RunReplayer withEvalMetrics(boolean evalMetrics) {
        return new RunReplayer(curve, runId, familyId, startMs, stepSeconds, batchTokens, totalParams, evalMetrics,
                maxFraction, stepsPerSecond, source, schedule, limits, tags, plannedTotalSteps, stopTarget);
    }

    /**
     * Replays only the first {@code fraction} of the steps, {@code 0 < fraction <= 1} (at least one step); below 1
     * no {@link RunFinished} is sent.
     */
    public RunReplayer withMaxFraction(double fraction) {
        if (!(fraction > 0 && fraction <= 1)) {
            throw new IllegalArgumentException("maxFraction must be in (0, 1], got " + fraction);
        }
        return new RunReplayer(curve, runId, familyId, startMs, stepSeconds, batchTokens, totalParams, evalMetrics,
                fraction, stepsPerSecond, source, schedule, limits, tags, plannedTotalSteps, stopTarget);
    }

    /** Paces the replay at this many steps per real second; 0 (default) = as fast as the sink takes them. */
    public RunReplayer withStepsPerSecond(double stepsPerSecond) {
        if (!(stepsPerSecond >= 0) || !Double.isFinite(stepsPerSecond)) {
            throw new IllegalArgumentException("stepsPerSecond must be >= 0, got " + stepsPerSecond);
        }
        return new RunReplayer(curve, runId, familyId, startMs, stepSeconds, batchTokens, totalParams, evalMetrics,
                maxFraction, stepsPerSecond, source, schedule, limits, tags, plannedTotalSteps, stopTarget);
    }

    /** The {@code source} tag: where the curve came from (file path, URL); default the curve's name. */
    public RunReplayer withSource(String source) {
        return new RunReplayer(curve, runId, familyId, startMs, stepSeconds, batchTokens, totalParams, evalMetrics,
                maxFraction, stepsPerSecond, Objects.requireNonNull(source), schedule, limits, tags, plannedTotalSteps, stopTarget);
    }

    /** A schedule spec to announce in {@code RunStarted.schedule}; default none (the per-step LR says it all). */
    public RunReplayer withSchedule(LrScheduleSpec schedule) {
        return new RunReplayer(curve, runId, familyId, startMs, stepSeconds, batchTokens, totalParams, evalMetrics,
                maxFraction, stepsPerSecond, source, schedule, limits, tags, plannedTotalSteps, stopTarget);
    }

    /** Limits deciding whether {@code lr_per_step} fits; use the ingest job's. Default {@link Limits#defaults()}. */
    public RunReplayer withLimits(Limits limits) {
        return new RunReplayer(curve, runId, familyId, startMs, stepSeconds, batchTokens, totalParams, evalMetrics,
                maxFraction, stepsPerSecond, source, schedule, limits, tags, plannedTotalSteps, stopTarget);
    }

    /** Extra tags for {@code RunStarted.tags}; they override the default tags of the same name. */
    public RunReplayer withTags(Map<String, String> extra) {
        Map<String, String> t = new LinkedHashMap<>(tags);
        t.putAll(extra);
        return new RunReplayer(curve, runId, familyId, startMs, stepSeconds, batchTokens, totalParams, evalMetrics,
                maxFraction, stepsPerSecond, source, schedule, limits, t, plannedTotalSteps, stopTarget);
    }

    /**
     * Announces {@code steps} as the run's planned last step instead of the curve's last step (e.g. the last
     * measured step, where a backtest scores its final forecast).
     */
    public RunReplayer withPlannedTotalSteps(long steps) {
        if (steps < 1) {
            throw new IllegalArgumentException("planned total steps must be >= 1, got " + steps);
        }
        return new RunReplayer(curve, runId, familyId, startMs, stepSeconds, batchTokens, totalParams, evalMetrics,
                maxFraction, stepsPerSecond, source, schedule, limits, tags, steps, stopTarget);
    }

    /** A stop target for the forecast job's early-stop advice (null: none). */
    public RunReplayer withStopTarget(StopTarget target) {
        return new RunReplayer(curve, runId, familyId, startMs, stepSeconds, batchTokens, totalParams, evalMetrics,
                maxFraction, stepsPerSecond, source, schedule, limits, tags, plannedTotalSteps, target);
    }

    public String runId() {
        return runId;
    }

    public RunCurve curve() {
        return curve;
    }

    /** Last step that will be replayed: the curve's last step, or the fraction's cut. */
    public long lastReplayedStep() {
        int rows = (int) Math.max(1, Math.floor(maxFraction * curve.length() + 1e-9));
        return curve.firstStep() + Math.min(rows, curve.length()) - 1;
    }

    /** Whether this replay ends with {@link RunFinished}. */
    public boolean finishes() {
        return lastReplayedStep() == curve.lastStep();
    }

    /** Replays into {@code sink} without a progress bar. */
    public Result replay(Consumer<? super SpecificRecord> sink) {
        return replay(sink, ProgressBar.disabled());
    }

    /**
     * Emits the run's records to {@code sink}, in order, on the calling thread. If the thread is interrupted
     * (only checked while pacing), stops early, keeps the interrupt flag and reports {@code interrupted}.
     */
    public Result replay(Consumer<? super SpecificRecord> sink, ProgressBar progress) {
        long last = lastReplayedStep();
        long first = curve.firstStep();
        long steps = last - first + 1;
        long records = 0;
        long evals = 0;
        progress.start(steps);
        sink.accept(runStarted());
        records++;
        long t0 = System.nanoTime();
        double[] lr = curve.lr();
        double[] loss = curve.loss();
        for (long s = first; s <= last; s++) {
            int i = (int) (s - first);
            if (stepsPerSecond > 0) {
                long due = t0 + (long) ((s - first) * 1e9 / stepsPerSecond);
                long wait;
                while ((wait = due - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(wait);
                    if (Thread.currentThread().isInterrupted()) {
                        progress.finish(s - first, records);
                        return new Result(records, s - first, evals, s - 1, false, true);
                    }
                }
            }
            long wall = wallTimeMs(s);
            boolean measured = !Double.isNaN(loss[i]);
            sink.accept(StepMetrics.newBuilder()
                    .setRunId(runId)
                    .setStep(s)
                    .setWallTimeMs(wall)
                    .setTokensSeen(s * batchTokens)
                    .setLr(lr[i])
                    .setLoss(measured ? loss[i] : null)
                    .build());
            records++;
            if (measured && evalMetrics) {
                sink.accept(EvalMetrics.newBuilder()
                        .setRunId(runId)
                        .setStep(s)
                        .setWallTimeMs(wall)
                        .setEvalSet("validation")
                        .setLoss(loss[i])
                        .build());
                records++;
                evals++;
            }
            progress.update(s - first + 1, records);
        }
        boolean finished = finishes();
        if (finished) {
            sink.accept(RunFinished.newBuilder()
                    .setRunId(runId)
                    .setFinishedAtMs(wallTimeMs(last))
                    .setFinalStep(last)
                    .setStatus(RunStatus.COMPLETED)
                    .setMessage("replay of " + source)
                    .build());
            records++;
        }
        progress.finish(steps, records);
        return new Result(records, steps, evals, last, finished, false);
    }

    /** The {@link RunStarted} record this replay begins with. */
    public RunStarted runStarted() {
        Map<String, String> t = new LinkedHashMap<>();
        t.put("source", source);
        t.put("curve", curve.name());
        t.put("replayed_by", "runlaw RunReplayer");
        t.put("loss_kind", "validation");
        t.putAll(tags);
        return RunStarted.newBuilder()
                .setRunId(runId)
                .setFamilyId(familyId)
                .setStartedAtMs(startMs)
                .setModel(ModelFacts.newBuilder().setTotalParams(totalParams).setActiveParams(totalParams).build())
                .setPlannedTotalSteps(plannedTotalSteps > 0 ? plannedTotalSteps : curve.lastStep())
                .setStopTarget(stopTarget)
                .setSchedule(schedule)
                .setLrPerStep(lrPerStep())
                .setBatchSizeTokens(batchTokens)
                .setTags(t)
                .build();
    }

    private List<Double> lrPerStep() {
        long n = curve.lastStep() + 1;
        if (n > limits.maxLrPerStep()) {
            return null;
        }
        List<Double> out = new ArrayList<>((int) n);
        double[] lr = curve.lr();
        if (curve.firstStep() == 1) {
            out.add(lr[0]);
        }
        for (double v : lr) {
            out.add(v);
        }
        return out;
    }

    private long wallTimeMs(long step) {
        return startMs + Math.round(step * stepSeconds * 1000.0);
    }

    /**
     * What a replay emitted.
     *
     * @param records     all records sent to the sink
     * @param steps       StepMetrics sent
     * @param evals       EvalMetrics sent
     * @param lastStep    last step sent
     * @param finished    whether RunFinished was sent
     * @param interrupted whether the replay stopped early on an interrupt
     */
    public record Result(long records, long steps, long evals, long lastStep, boolean finished, boolean interrupted) {
    }
}
