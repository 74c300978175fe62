package dev.runlaw.bench;

import dev.runlaw.math.data.RunCurve;
import dev.runlaw.math.fit.FitResult;
import dev.runlaw.math.online.OnlineRunState;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Online forecasting of one live run with {@link OnlineRunState} (momentum law, default lambda candidates and
 * capacity), replaying the real 100M cosine_72000 run: 72,000 optimizer steps, a validation loss every 128 steps.
 * <ul>
 *   <li>{@link #replayWithRefits}: every step appended and a refit after every measured loss
 *       ({@link OnlineReplay#EVERY_MEASURED_POINT}); the refits are warm-started except every
 *       {@link OnlineRunState#FULL_REFIT_EVERY}-th, a full multi-start fit (the engine's own policy); the score is the
 *       amortised time per appended step.</li>
 *   <li>{@link #replayAppendOnly}: the same steps without refits: the cost of the append itself.</li>
 *   <li>{@link #warmRefit}: one refit warm-started from the fit at the previous measured point, after one new
 *       point arrived, at cut points spread over the run (setup, excluded from the time, replays up to the cut).</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
public class OnlineUpdateBenchmark {
    /** The replayed run. */
    public static final String MODEL = "mpl-100m";
    public static final String RUN = "cosine_72000";
    /** Steps in the replayed run (one operation each in the replay benchmarks). */
    public static final int STEPS = 72_000;
    /** Measured points after which {@link #warmRefit} refits, cycled through (spread over the run). */
    static final int[] CUT_POINTS = {40, 100, 180, 260, 340, 420, 500, 540};

    /** The run, parsed once per fork. */
    @State(Scope.Benchmark)
    public static class Run {
        OnlineReplay replay;

        @Setup(Level.Trial)
        public void load() {
            RunCurve c = ReferenceRuns.curve(MODEL, RUN);
            if (c.length() != STEPS) {
                throw new IllegalStateException(RUN + " has " + c.length() + " steps, expected " + STEPS);
            }
            replay = new OnlineReplay(c);
        }
    }

    /** A state fitted at a measured point, with the next measured point appended; rebuilt for each refit. */
    @State(Scope.Thread)
    public static class BeforeRefit {
        OnlineRunState state;
        int cycle;

        @Setup(Level.Invocation)
        public void prepare(Run run) {
            OnlineReplay r = run.replay;
            int k = CUT_POINTS[cycle++ % CUT_POINTS.length];
            long previous = r.measuredStep(k - 1);
            long next = r.measuredStep(k);
            state = OnlineRunState.create(r.firstStep());
            r.feed(state, r.firstStep(), previous, 0);
            FitResult f = state.refit();
            if (!f.ok()) {
                throw new IllegalStateException("fit at step " + previous + " failed: " + f);
            }
            r.feed(state, previous + 1, next, 0);
        }
    }

    @Benchmark
    @OperationsPerInvocation(STEPS)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public OnlineRunState replayWithRefits(Run run) {
        OnlineRunState s = OnlineRunState.create(run.replay.firstStep());
        run.replay.feedAll(s, OnlineReplay.EVERY_MEASURED_POINT);
        return s;
    }

    @Benchmark
    @OperationsPerInvocation(STEPS)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public OnlineRunState replayAppendOnly(Run run) {
        OnlineRunState s = OnlineRunState.create(run.replay.firstStep());
        run.replay.feedAll(s, 0);
        return s;
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public FitResult warmRefit(BeforeRefit b) {
        return b.state.refit();
    }
}
