package dev.runlaw.bench;

import dev.runlaw.math.law.MomentumLaw;
import dev.runlaw.math.online.OnlineRunState;
import java.util.SplittableRandom;

/**
 * A long run for the memory measurement: a linear warmup of 2160 steps to 3e-4, then cosine decay to 3e-5 at the
 * last step (the reference runs' schedule, any length), the loss from the momentum law with parameters near the
 * 100M reference fit times seeded log-normal noise (sd 1e-3), measured every {@link #LOG_EVERY} steps from the end of
 * the warmup, as in the reference runs. Deterministic.
 */
public final class SyntheticRun {
    /** Warmup steps of the reference runs. */
    public static final int WARMUP = 2160;
    /** Steps between measured losses, as in the reference runs. */
    public static final int LOG_EVERY = 128;
    static final double PEAK = 3e-4;
    static final double FLOOR = 3e-5;
    static final double[] PARAMS = {2.9, 0.6, 0.75, 0.9};

    private SyntheticRun() {
    }

    /** LR at {@code step} of a run of {@code total} steps. */
    public static double lr(long step, long total) {
        if (step < WARMUP) {
            return PEAK * step / (WARMUP - 1);
        }
        double x = (double) (step - WARMUP) / Math.max(1, total - 1 - WARMUP);
        return FLOOR + 0.5 * (PEAK - FLOOR) * (1 + Math.cos(Math.PI * Math.min(1, x)));
    }

    /** An online state fed {@code steps} steps of the synthetic run, then refitted once. */
    public static OnlineRunState fittedState(long steps, int capacity) {
        OnlineRunState s = OnlineRunState.create(0, MomentumLaw.create(), null, capacity);
        SplittableRandom rnd = new SplittableRandom(42);
        double lambda = 0.998;
        double m = 0;
        double s1 = 0;
        double s2 = 0;
        double prev = PEAK;
        for (long t = 0; t < steps; t++) {
            double lr = lr(t, steps);
            double loss = Double.NaN;
            if (t >= 1 && t < WARMUP) {
                s1 = t * lr;
            } else if (t >= WARMUP) {
                m = lambda * m + (prev - lr);
                s1 += lr;
                s2 += m;
                prev = lr;
                if ((t - WARMUP) % LOG_EVERY == 0) {
                    double clean = PARAMS[0] + PARAMS[1] * Math.pow(s1, -PARAMS[2]) - PARAMS[3] * s2;
                    loss = clean * Math.exp(1e-3 * gaussian(rnd));
                }
            }
            s.append(t, lr, loss);
        }
        s.refit();
        return s;
    }

    private static double gaussian(SplittableRandom r) {
        double u = Math.max(1e-300, r.nextDouble());
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble());
    }
}
