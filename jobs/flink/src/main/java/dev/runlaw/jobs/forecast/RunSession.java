package dev.runlaw.jobs.forecast;

import dev.runlaw.math.live.LiveForecast;
import dev.runlaw.math.live.RunTracker;
import dev.runlaw.math.live.Target;
import dev.runlaw.schema.RunFinished;
import dev.runlaw.schema.RunStarted;
import dev.runlaw.schema.StepMetrics;
import dev.runlaw.schema.StopTarget;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One run's forecast protocol, without Flink: what a run-started, step or run-finished record, or a timer, does to
 * the run. Each call computes everything first and returns a {@link Transition} (outputs, new state, timers) that
 * the caller emits, then commits; nothing is written while computing, so a failure (caught here, and reported in
 * {@link Transition#failure()}) emits nothing and keeps every buffered step and the step at hand.
 *
 * <p><b>Protocol.</b> Steps are buffered ({@link PendingStep}s) and folded into the run's {@link RunTracker} at a
 * refit: after {@code refitPoints} new measured losses, or {@code refitIntervalMs} after the first step not yet
 * forecast; past {@code maxBufferedSteps} they are folded without a forecast. A refit emits the forecast and, when
 * the run has a stop target and the decision changed, a numbered advice. A run finishes when its end step arrives
 * (planned last step, or the run-finished record's final step), or {@code finishGraceMs} after run-finished: it
 * gets a final forecast and is published as a reference, and only once both are built is its state dropped (a
 * small "done" marker stays until the idle timeout so that late records are ignored). A run with no record for
 * {@code idleTimeoutMs} gets a last forecast with status {@code IDLE_EXPIRED} and its state is dropped.
 *
 * <p><b>Run-started on its own topic.</b> The job reads run-started, step and run-finished records from three
 * topics, so a run's RunStarted may be read after its steps (its split on another source reader, held back by
 * backpressure). A forecast made before it lacks the plan, the target and the family's references: when it comes,
 * the run is forecast again at the next refit timer even if no step follows; and a run whose end step arrives
 * before it waits for it (at most {@code finishGraceMs}) before it finishes, so that its reference is published
 * under its family.
 *
 * <p><b>Catch-up.</b> A step read more than {@code catchUpLagMs} after it entered Kafka (processing time minus the
 * record's Kafka timestamp: the job's own backlog, whatever the step's wall time) means the job is behind, e.g. after
 * a restore from a checkpoint or a start with runs already logging. Then the count trigger does not refit: the step
 * is buffered and the run is refit by its interval timer, set at its first buffered step, so each run is refit at
 * most once per interval while behind, each refit folding everything buffered, instead of once per
 * {@code refitPoints} stale steps. That interval scales with the lag: a timer set by a step L late is
 * {@code max(refitIntervalMs, min(L, 4 refitIntervalMs))} away. The newest step is still forecast within it, and
 * the end of a run still gets its final forecast at once. Once records arrive within the lag again, the count
 * trigger works as before (at the first step within it, with all buffered points). Which steps get a forecast then
 * depends on processing time, not on the data alone: tests that assert the exact forecast steps under a backlog
 * turn it off (0). Clock skew: the Kafka timestamp is the producer's clock (CreateTime) or the broker's
 * (LogAppendTime); a producer clock behind the job's by more than the lag makes every step look late, so its runs
 * are refit by the timer only (nothing is lost, the cadence becomes the interval); one ahead delays the rule by the
 * skew. An unknown timestamp (&lt;= 0) never counts as late.
 *
 * <p><b>Failures.</b> A failed refit or finish is retried at the next trigger (more points, a later step, or its
 * timer), each timer retry after twice the previous delay; the idle timeout ends a run that keeps failing.
 *
 * <p>Pure apart from the state it reads through its {@link RunStateStore}; decisions depend only on the records
 * and the policy, except the interval, grace and idle timers (processing time).
 */
public final class RunSession {
    /** Shortest delay before a failed finish is retried (the grace time may be 0). */
    private static final long MIN_RETRY_MS = 1_000;
    /** A late step's refit timer is at most this many refit intervals away (catch-up). */
    static final int MAX_CATCH_UP_INTERVALS = 4;
    /** Retry delays double up to this many times. */
    private static final int MAX_BACKOFF_DOUBLINGS = 10;

    /**
     * What every run of a task shares.
     *
     * @param policy  the refit, finish and idle policy
     * @param outputs builds the records and rows
     * @param book    the family references
     * @param faults  failure injection (tests), else {@link FaultHook#NONE}
     * @param cache   the task's decoded trackers ({@link TrackerCache#NONE}: decode the state at every input)
     */
    public record Setup(ForecastConfig.Policy policy, RunOutputs outputs, FamilyReferenceBook book, FaultHook faults,
                        TrackerCache cache) {
        /** Without a tracker cache. */
        public Setup(ForecastConfig.Policy policy, RunOutputs outputs, FamilyReferenceBook book, FaultHook faults) {
            this(policy, outputs, book, faults, TrackerCache.NONE);
        }
    }

    private final String runId;
    private final RunStateStore store;
    private final Setup setup;
    private final ForecastConfig.Policy policy;
    private final RunControl before;

    /** The session of run {@code runId}, whose state is in {@code store}. */
    public RunSession(String runId, RunStateStore store, Setup setup) throws Exception {
        this.runId = runId;
        this.store = store;
        this.setup = setup;
        this.policy = setup.policy();
        this.before = store.control();
    }

    /** Whether the run is finished (its records are ignored until its marker expires). */
    public boolean done() {
        return before != null && before.done;
    }

    /**
     * A run-started record: the plan, the target and the family. RunStarted comes on its own topic, so it may be
     * read after some of the run's steps, even after all of them (another source reader, held back by
     * backpressure): when steps were already forecast without it, the run is marked for a re-forecast at the next
     * refit timer ({@link RunControl#replan}), and a finish that waited for it ({@link RunControl#endReached})
     * happens now.
     */
    public Transition onStarted(RunStarted r, long now) throws Exception {
        if (done()) {
            return Transition.none(before);
        }
        RunControl c = touched(now);
        String familyBefore = c.family;
        c.family = r.getFamilyId();
        RunTracker cached = cached();
        byte[] read = cached == null ? store.tracker() : null;
        try {
            RunTracker t = cached != null ? cached : decode(read);
            byte[] bytes = cached != null ? cached.toBytes() : read;
            // RunStarted.planned_total_steps is the step the run ends at; the tracker takes a step count (0..n-1).
            t.plan(ScheduleSpecs.toSpec(r.getSchedule()), ScheduleSpecs.toArray(r.getLrPerStep()),
                    r.getPlannedTotalSteps() + 1);
            t.setTarget(toTarget(r.getStopTarget()));
            if (c.endReached) {
                return finish(c, t, null, now);
            }
            byte[] saved = t.toBytes();
            if (c.finishAt == 0) {
                c.endStep = r.getPlannedTotalSteps();
            }
            if (t.lastStep() >= 0 && (!Arrays.equals(saved, bytes) || !Objects.equals(familyBefore, c.family))) {
                // Forecasts so far lacked this plan, target or family (its references): forecast again soon, even
                // if no step follows (a run observed up to a cut, or whose last steps came before this record).
                c.replan = true;
                if (c.refitTimer == 0) {
                    c.refitTimer = now + policy.refitIntervalMs();
                }
            }
            return saving(c, t, saved, false, null, new Emission());
        } catch (RuntimeException e) {
            return Transition.failed(before, c, null, e);
        }
    }

    /** A step read as soon as it entered Kafka (never late for the catch-up rule): see the four-argument form. */
    public Transition onStep(StepMetrics s, boolean nonFinite, long now) throws Exception {
        return onStep(s, nonFinite, now, now);
    }

    /**
     * A step; {@code nonFinite}: its loss was NaN or infinite (kept as a fact about the run); {@code recordTimeMs}:
     * its Kafka record timestamp (&lt;= 0 unknown), which the catch-up rule compares with {@code now}.
     */
    public Transition onStep(StepMetrics s, boolean nonFinite, long now, long recordTimeMs) throws Exception {
        if (done()) {
            return Transition.none(before);
        }
        double loss = nonFinite || s.getLoss() == null ? Double.NaN : s.getLoss();
        PendingStep step = new PendingStep(s.getStep(), s.getLr(), loss, nonFinite, s.getWallTimeMs());
        RunControl c = touched(now);
        c.pendingPoints += Double.isNaN(loss) && !nonFinite ? 0 : 1;
        c.pendingSteps++;
        if (c.endStep >= 0 && step.step >= c.endStep) {
            return endOfRun(c, null, step, now);
        }
        if (c.pendingPoints >= policy.refitPoints() && !behind(now, recordTimeMs)) {
            return refit(c, step, now);
        }
        if (c.pendingSteps >= policy.maxBufferedSteps()) {
            return fold(c, step);
        }
        if (c.refitTimer == 0) {
            // Any new step (a loss or only an LR) is forecast within the interval, so the newest forecast always
            // reflects the newest step even when the run logs losses rarely; when the job is behind, within the
            // lag-scaled interval (see catchUpIntervalMs).
            c.refitTimer = now + catchUpIntervalMs(now, recordTimeMs);
        }
        return Transition.update(before, c, null, false, step, new Emission());
    }

    /** A run-finished record: finish now if its final step is in, else after the grace time. */
    public Transition onFinished(RunFinished f, long now) throws Exception {
        if (done()) {
            return Transition.none(before);
        }
        RunControl c = touched(now);
        RunTracker cached = cached();
        byte[] bytes = cached == null ? store.tracker() : null;
        List<PendingStep> steps = pending(null);
        try {
            RunTracker t = cached != null ? cached : decode(bytes);
            t.finish(f.getFinalStep());
            if (t.lastStep() >= f.getFinalStep() || reaches(steps, f.getFinalStep())) {
                return endOfRun(c, t, null, now);
            }
            byte[] saved = t.toBytes();
            c.endStep = f.getFinalStep();
            c.finishAt = now + policy.finishGraceMs();
            return saving(c, t, saved, false, null, new Emission());
        } catch (RuntimeException e) {
            c.endStep = f.getFinalStep();
            c.finishAt = now + policy.finishGraceMs();
            return Transition.failed(before, c, null, e);
        }
    }

    /** A processing-time timer at {@code timestamp}: finish, refit or idle check, whichever is due. */
    public Transition onTimer(long timestamp, long now) throws Exception {
        if (before == null) {
            return Transition.none(null);
        }
        RunControl c = before.copy();
        boolean idleDue = c.idleTimer != 0 && c.idleTimer <= timestamp;
        if (c.done) {
            return idleDue ? cleared(Transition.clear(before, null, new Emission(), null)) : Transition.none(before);
        }
        if (idleDue) {
            if (c.lastRecordMs + policy.idleTimeoutMs() <= timestamp) {
                return expire(now);
            }
            // Records came since the timer was set: move it on (one timer per run, not one per record).
            c.idleTimer = c.lastRecordMs + policy.idleTimeoutMs();
        }
        if (c.finishAt != 0 && c.finishAt <= timestamp) {
            c.finishAt = 0;
            return finish(c, null, null, now);
        }
        if (c.refitTimer != 0 && c.refitTimer <= timestamp) {
            c.refitTimer = 0;
            if (c.pendingPoints > 0 || c.pendingSteps > 0 || c.replan) {
                return refit(c, null, now);
            }
        }
        return Transition.update(before, c, null, false, null, new Emission());
    }

    /** Folds the buffer (and {@code step}) into the tracker, forecasts, advises. */
    private Transition refit(RunControl c, PendingStep step, long now) throws Exception {
        RunTracker cached = cached();
        byte[] bytes = cached == null ? store.tracker() : null;
        List<PendingStep> steps = pending(step);
        try {
            RunTracker t = cached != null ? cached : decode(bytes);
            fold(t, steps);
            RunControl next = c.copy();
            Emission out = new Emission();
            forecast(t, next, now, out);
            setup.faults().at(FaultHook.Point.COMMIT, runId);
            byte[] saved = t.toBytes();
            next.pendingPoints = 0;
            next.pendingSteps = 0;
            next.refitTimer = 0;
            next.failedAttempts = 0;
            next.replan = false;
            return saving(next, t, saved, true, null, out);
        } catch (RuntimeException e) {
            // Keep every step; try again after as many new points, or at the (backed-off) interval timer.
            c.pendingPoints = 0;
            c.refitTimer = now + backoff(policy.refitIntervalMs(), c.failedAttempts);
            c.failedAttempts++;
            return Transition.failed(before, c, step, e);
        }
    }

    /** Folds the buffer into the tracker without a forecast (bounds the buffer of runs that rarely log a loss). */
    private Transition fold(RunControl c, PendingStep step) throws Exception {
        RunTracker cached = cached();
        byte[] bytes = cached == null ? store.tracker() : null;
        List<PendingStep> steps = pending(step);
        c.pendingSteps = 0;
        try {
            RunTracker t = cached != null ? cached : decode(bytes);
            fold(t, steps);
            return saving(c, t, t.toBytes(), true, null, new Emission());
        } catch (RuntimeException e) {
            return Transition.failed(before, c, step, e);
        }
    }

    /**
     * The run's end step has arrived: finish it, unless its RunStarted has not been seen yet (no family: the
     * reference would serve no family, and the forecast would lack the plan and the target). Then the finish waits
     * for RunStarted ({@link #onStarted} finishes it) or the finish grace, whichever comes first; with no grace it
     * finishes at once.
     *
     * @param working the tracker already decoded (and marked finished), or null
     */
    private Transition endOfRun(RunControl c, RunTracker working, PendingStep step, long now) throws Exception {
        if (c.family != null || policy.finishGraceMs() == 0) {
            return finish(c, working, step, now);
        }
        c.endReached = true;
        if (c.finishAt == 0) {
            c.finishAt = now + policy.finishGraceMs();
        }
        try {
            if (working == null) {
                return Transition.update(before, c, null, false, step, new Emission());
            }
            return saving(c, working, working.toBytes(), false, step, new Emission());
        } catch (RuntimeException e) {
            return Transition.failed(before, c, step, e);
        }
    }

    /**
     * The final forecast and advice, then the reference; the run's state is dropped only once all are built (and,
     * by the caller, emitted).
     *
     * @param working the tracker already decoded (and marked finished), or null
     */
    private Transition finish(RunControl c, RunTracker working, PendingStep step, long now) throws Exception {
        RunTracker cached = working == null ? cached() : null;
        byte[] bytes = working == null && cached == null ? store.tracker() : null;
        List<PendingStep> steps = pending(step);
        try {
            RunTracker t = working != null ? working : cached != null ? cached : decode(bytes);
            fold(t, steps);
            RunControl next = c.copy();
            Emission out = new Emission();
            if (t.lastStep() >= 0) {
                forecast(t, next, now, out);
            }
            if (!t.finished()) {
                t.finish(t.lastStep());
            }
            setup.faults().at(FaultHook.Point.REFERENCE, runId);
            if (t.lastStep() >= 0 && t.observedPoints() > 0) { // else nothing measured: nothing to offer the family
                setup.outputs().reference(t, next.familyOrEmpty(), now, out);
            }
            setup.faults().at(FaultHook.Point.COMMIT, runId);
            RunControl marker = new RunControl();
            marker.done = true;
            marker.lastRecordMs = c.lastRecordMs;
            marker.idleTimer = now + policy.idleTimeoutMs();
            return cleared(Transition.clear(before, marker, out, null));
        } catch (RuntimeException e) {
            // Not finished: every step stays; retried at the next step or at the (backed-off) finish timer.
            c.finishAt = now + backoff(Math.max(policy.finishGraceMs(), MIN_RETRY_MS), c.failedAttempts);
            c.failedAttempts++;
            if (working != null && working.finished()) {
                c.endStep = working.finalStep();
            }
            return Transition.failed(before, c, step, e);
        }
    }

    /** The last forecast of an idle run, status IDLE_EXPIRED, and the run's state dropped. */
    private Transition expire(long now) throws Exception {
        RunTracker cached = cached();
        byte[] bytes = cached == null ? store.tracker() : null;
        List<PendingStep> steps = pending(null);
        RunTracker t = null;
        LiveForecast f = null;
        RuntimeException failure = null;
        try {
            t = cached != null ? cached : decode(bytes);
            fold(t, steps);
            if (t.lastStep() >= 0) {
                setup.faults().at(FaultHook.Point.EXPIRE, runId);
                f = t.forecast(setup.book().forRun(before.family, runId).observations(), policy.settings(),
                        setup.book().preparedCurves());
            }
        } catch (RuntimeException e) {
            failure = e;
        }
        Emission out = new Emission();
        if (t != null && t.lastStep() >= 0) {
            try {
                String why = failure == null ? null : "its last forecast failed: " + failure;
                setup.outputs().forecast(setup.outputs().expired(t, f, before.familyOrEmpty(),
                        policy.idleTimeoutMs(), now, why), now, out);
                out.markExpired();
            } catch (RuntimeException e) {
                // The state must go regardless (bounded state); the failure is reported.
                out = new Emission();
                failure = e;
            }
        }
        return cleared(Transition.clear(before, null, out, failure));
    }

    /** Forecast, its outputs and the advice (which updates {@code c}'s advice numbering). */
    private void forecast(RunTracker t, RunControl c, long now, Emission out) {
        FamilyReferenceBook.FamilyReferences refs = setup.book().forRun(c.family, runId);
        setup.faults().at(FaultHook.Point.FORECAST, runId);
        LiveForecast f = t.forecast(refs.observations(), policy.settings(), setup.book().preparedCurves());
        setup.outputs().forecast(f, c.familyOrEmpty(), now, out);
        setup.faults().at(FaultHook.Point.FORECAST_BUILT, runId);
        setup.outputs().advice(t, f, refs, c, now, out);
    }

    /**
     * The refit interval for a step read at {@code now} with Kafka timestamp {@code recordTimeMs}: the policy's,
     * or, when the step is late, its lag clamped to [interval, {@link #MAX_CATCH_UP_INTERVALS} x interval]: a job
     * behind by L spends its CPU on reading the backlog rather than on refits whose forecasts are L old when
     * written, and the bound keeps a timer set during a long backlog from outliving it by much.
     */
    private long catchUpIntervalMs(long now, long recordTimeMs) {
        long interval = policy.refitIntervalMs();
        if (!behind(now, recordTimeMs)) {
            return interval;
        }
        return Math.max(interval, Math.min(now - recordTimeMs, MAX_CATCH_UP_INTERVALS * interval));
    }

    /** Whether a record with Kafka timestamp {@code recordTimeMs} read at {@code now} is late (catch-up rule). */
    private boolean behind(long now, long recordTimeMs) {
        long lag = policy.catchUpLagMs();
        return lag > 0 && recordTimeMs > 0 && now - recordTimeMs > lag;
    }

    /** A copy of the state for a record arriving at {@code now} (the idle clock restarts). */
    private RunControl touched(long now) {
        RunControl c = before == null ? new RunControl() : before.copy();
        c.lastRecordMs = now;
        if (c.idleTimer == 0) {
            c.idleTimer = now + policy.idleTimeoutMs();
        }
        return c;
    }

    private List<PendingStep> pending(PendingStep extra) throws Exception {
        List<PendingStep> out = new ArrayList<>();
        Iterable<PendingStep> stored = store.pending();
        if (stored != null) {
            stored.forEach(out::add);
        }
        if (extra != null) {
            out.add(extra);
        }
        return out;
    }

    /** The run's decoded tracker from the task's cache when it is the one of the saved bytes, else null. */
    private RunTracker cached() {
        return before == null ? null : setup.cache().take(runId, before.trackerStamp);
    }

    /**
     * A transition that saves {@code t}'s bytes {@code saved} under a fresh stamp, and, once committed, keeps
     * {@code t} (not modified after {@code saved} was taken) as the cached form of those bytes.
     */
    private Transition saving(RunControl c, RunTracker t, byte[] saved, boolean clearPending, PendingStep step,
                              Emission out) {
        TrackerCache cache = setup.cache();
        long stamp = cache.nextStamp();
        c.trackerStamp = stamp;
        return Transition.update(before, c, saved, clearPending, step, out)
                .afterCommit(() -> cache.put(runId, stamp, t));
    }

    /** {@code t}, which drops the run's state, also drops its cached tracker once committed. */
    private Transition cleared(Transition t) {
        TrackerCache cache = setup.cache();
        return t.afterCommit(() -> cache.evict(runId));
    }

    private RunTracker decode(byte[] bytes) {
        // The family is kept apart from the tracker (RunStarted may come after the first steps).
        return bytes == null ? RunTracker.create(runId, "") : RunTracker.fromBytes(bytes);
    }

    private static void fold(RunTracker t, List<PendingStep> steps) {
        for (PendingStep p : steps) {
            t.observe(p.step, p.lr, p.loss, p.wallTimeMs);
            if (p.nonFiniteLoss) {
                t.noteNonFiniteLoss(p.step, p.wallTimeMs);
            }
        }
    }

    private static boolean reaches(List<PendingStep> steps, long step) {
        for (PendingStep p : steps) {
            if (p.step >= step) {
                return true;
            }
        }
        return false;
    }

    private static long backoff(long base, int failures) {
        return base << Math.min(failures, MAX_BACKOFF_DOUBLINGS);
    }

    private static Target toTarget(StopTarget s) {
        if (s == null) {
            return null;
        }
        return switch (s.getKind()) {
            case LOSS -> new Target(Target.Kind.LOSS, s.getTargetLoss());
            case BEAT_BEST_SIBLING -> new Target(Target.Kind.BEAT_BEST_SIBLING, Double.NaN);
        };
    }
}
