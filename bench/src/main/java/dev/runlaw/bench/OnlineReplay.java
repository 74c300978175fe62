package dev.runlaw.bench;

import dev.runlaw.math.data.RunCurve;
import dev.runlaw.math.fit.FitResult;
import dev.runlaw.math.online.OnlineRunState;

/**
 * Feeds a run step by step into an {@link OnlineRunState}, as the online forecasting operator does, refitting
 * (warm-started) under the benchmark's refit policy: after every {@code refitEvery}-th measured loss point. The
 * engine has no policy of its own yet; {@link #EVERY_MEASURED_POINT} (refit whenever a new loss arrives) is the
 * strictest cadence an operator could use and is what the benchmark measures.
 */
public final class OnlineReplay {
    /** Refit after each measured loss. */
    public static final int EVERY_MEASURED_POINT = 1;

    private final double[] lr;
    private final double[] loss;
    private final long firstStep;

    /** A replay of {@code run}'s LR column and measured losses. */
    public OnlineReplay(RunCurve run) {
        this(run.firstStep(), run.lr(), run.loss());
    }

    /** A replay of explicit columns ({@code loss[i]} NaN where not measured), from {@code firstStep}. */
    public OnlineReplay(long firstStep, double[] lr, double[] loss) {
        if (lr.length != loss.length) {
            throw new IllegalArgumentException("lr and loss differ in length");
        }
        this.firstStep = firstStep;
        this.lr = lr.clone();
        this.loss = loss.clone();
    }

    public int length() {
        return lr.length;
    }

    public long firstStep() {
        return firstStep;
    }

    /** Step of the {@code k}-th measured loss (0-based), or -1 if there are fewer. */
    public long measuredStep(int k) {
        int seen = 0;
        for (int i = 0; i < loss.length; i++) {
            if (!Double.isNaN(loss[i]) && seen++ == k) {
                return firstStep + i;
            }
        }
        return -1;
    }

    /**
     * Appends steps {@code from..to} (inclusive, absolute steps) to {@code state}; with {@code refitEvery > 0},
     * refits after every {@code refitEvery}-th measured loss among them.
     *
     * @return the number of refits made
     */
    public int feed(OnlineRunState state, long from, long to, int refitEvery) {
        int refits = 0;
        int measured = 0;
        for (long s = from; s <= to; s++) {
            int i = (int) (s - firstStep);
            double l = loss[i];
            state.append(s, lr[i], l);
            if (refitEvery > 0 && !Double.isNaN(l) && ++measured % refitEvery == 0) {
                state.refit();
                refits++;
            }
        }
        return refits;
    }

    /** Appends the whole run to {@code state}; see {@link #feed}. */
    public int feedAll(OnlineRunState state, int refitEvery) {
        return feed(state, firstStep, firstStep + lr.length - 1, refitEvery);
    }

    /** The last fit of {@code state}, refitting once if there is none. */
    public static FitResult fitted(OnlineRunState state) {
        FitResult f = state.lastFit();
        return f != null ? f : state.refit();
    }
}
