package dev.runlaw.math.schedule;

import java.util.Arrays;

/**
 * An {@link LrSchedule} held as one LR per step, with the forward area as a prefix sum filled once:
 * {@code cumArea[i] = sum_{t = max(1, firstStep)..firstStep + i} lr_t}. Warmup detected (the end of the strictly
 * increasing prefix) unless given. Immutable (the array is owned: callers pass a copy).
 */
final class PerStepLrSchedule implements LrSchedule {
    private final long firstStep;
    private final long lastStep;
    private final long peakStep;
    private final double[] lr;
    private final double[] cumArea;

    /** @param peakStep the warmup's last step, or -1 to detect it */
    PerStepLrSchedule(long firstStep, double[] lr, long peakStep) {
        if (firstStep < 0) {
            throw new IllegalArgumentException("firstStep must be >= 0, got " + firstStep);
        }
        if (lr.length == 0) {
            throw new IllegalArgumentException("a schedule needs at least one step");
        }
        this.firstStep = firstStep;
        this.lastStep = firstStep + lr.length - 1;
        this.lr = lr;
        double[] cum = new double[lr.length];
        double a = 0;
        for (int i = 0; i < lr.length; i++) {
            double v = lr[i];
            if (!Double.isFinite(v) || v < 0) {
                throw new IllegalArgumentException("lr at step " + (firstStep + i) + " is " + v);
            }
            if (firstStep + i >= 1) {
                a += v;
            }
            cum[i] = a;
        }
        this.cumArea = cum;
        if (peakStep < 0) {
            int p = 0;
            while (p + 1 < lr.length && lr[p + 1] > lr[p]) {
                p++;
            }
            peakStep = firstStep + p;
        }
        if (peakStep < firstStep || peakStep > lastStep) {
            throw new IllegalArgumentException("peak step " + peakStep + " outside the schedule");
        }
        this.peakStep = peakStep;
    }

    @Override
    public long firstStep() {
        return firstStep;
    }

    @Override
    public long lastStep() {
        return lastStep;
    }

    @Override
    public long peakStep() {
        return peakStep;
    }

    @Override
    public boolean isPiecewise() {
        return false;
    }

    @Override
    public long[] knotSteps() {
        long[] out = new long[length()];
        for (int i = 0; i < out.length; i++) {
            out[i] = firstStep + i;
        }
        return out;
    }

    @Override
    public double[] knotValues() {
        return lr.clone();
    }

    @Override
    public double lrAt(long step) {
        return lr[index(step)];
    }

    /** The LR at array index {@code index} (step {@code firstStep + index}), without a range check beyond Java's. */
    double rawAt(int index) {
        return lr[index];
    }

    @Override
    public double area(long step) {
        if (step < firstStep) {
            return 0;
        }
        return cumArea[index(step)];
    }

    @Override
    public double minLr(long from, long to) {
        long a = Math.max(from, firstStep);
        long b = Math.min(to, lastStep);
        if (a > b) {
            return Double.POSITIVE_INFINITY;
        }
        double m = Math.min(lrAt(a), lrAt(b));
        for (long s = a + 1; s < b; s++) {
            m = Math.min(m, lr[(int) (s - firstStep)]);
        }
        return m;
    }

    @Override
    public double[] toArray() {
        return lr.clone();
    }

    /** The per-step LR without a copy (read only). */
    double[] lrArray() {
        return lr;
    }

    @Override
    public LrSchedule perStep() {
        return this;
    }

    @Override
    public LrSchedule truncate(long lastStep) {
        int n = index(lastStep) + 1;
        return new PerStepLrSchedule(firstStep, Arrays.copyOf(lr, n), Math.min(peakStep, lastStep));
    }

    @Override
    public LrSchedule withDecay(long decayStart, long endStep, double floor, Decay shape) {
        checkDecay(this, decayStart, endStep);
        return decayed(lr, firstStep, lastStep, peakStep, decayStart, endStep, floor, shape);
    }

    /** Throws unless {@code decayStart..endStep} is a valid what-if decay of {@code s}. */
    static void checkDecay(LrSchedule s, long decayStart, long endStep) {
        if (decayStart <= s.firstStep() || endStep < decayStart) {
            throw new IllegalArgumentException("decay " + decayStart + ".." + endStep + " invalid for " + s);
        }
    }

    /**
     * The per-step what-if of {@link LrSchedule#withDecay} on per-step LRs {@code src} (steps
     * {@code firstStep..lastStep}): unchanged before {@code decayStart} (the last LR held past {@code lastStep}),
     * then {@code shape} from the LR at {@code decayStart - 1} to {@code floor}, reaching it at {@code endStep + 1}.
     */
    static LrSchedule decayed(double[] src, long firstStep, long lastStep, long peakStep, long decayStart,
                              long endStep, double floor, Decay shape) {
        double from = src[(int) (Math.min(decayStart - 1, lastStep) - firstStep)];
        long d = endStep + 1 - decayStart;
        long peak = Math.min(peakStep, decayStart - 1);
        int keep = (int) (decayStart - firstStep);
        int n = (int) (endStep - firstStep + 1);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            long s = firstStep + i;
            if (i < keep) {
                out[i] = s <= lastStep ? src[i] : src[src.length - 1];
            } else {
                out[i] = shape.at(from, floor, (double) (s - decayStart) / d);
            }
        }
        return new PerStepLrSchedule(firstStep, out, peak);
    }

    private int index(long step) {
        long i = step - firstStep;
        if (i < 0 || step > lastStep) {
            throw new IndexOutOfBoundsException("step " + step + " outside " + firstStep + ".." + lastStep);
        }
        return (int) i;
    }

    @Override
    public String toString() {
        return "LrSchedule[steps " + firstStep + ".." + lastStep + ", peak " + peakLr() + " at " + peakStep + "]";
    }
}
