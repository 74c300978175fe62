package dev.runlaw.math.live;

import java.util.Arrays;

/**
 * Bounded summary of a run's measured losses: representative (step, loss) points for the law fit.
 *
 * <p><b>Exact</b> while at most {@code capacity} points were added: {@link #steps()} and {@link #losses()} are then
 * the points themselves, so a fit on the summary equals the offline fit on the same points (the reference curves
 * have at most ~560 measured points; the default capacity is 512, and the multi-power law's runs at 40 % well
 * below that).
 *
 * <p><b>Beyond capacity</b> the older half of the stored points is merged pairwise, as
 * {@code online.OnlineRunState} does: a bucket's weight is its number of points, its step and loss the
 * weight-averaged ones ({@code step = sum w_i s_i / sum w_i}, reported rounded to an integer step;
 * {@code loss = sum w_i L_i / sum w_i}). Old points thus end in geometrically growing buckets and recent ones stay
 * raw; memory is {@code 3 * capacity} numbers whatever the run's length. Biases, both small next to the loss
 * noise for adjacent points but worth knowing:
 * <ul>
 *   <li>the loss curve is convex in the step, so a bucket's mean loss lies above the curve at its mean step, by
 *       about {@code L''(s) * var(s) / 2} over the bucket: the law's fit to old buckets is pulled slightly up;</li>
 *   <li>a fit that takes {@link #steps()} / {@link #losses()} without {@link #weights()} counts each bucket once,
 *       so old stretches weigh less than their points did: the fit leans on recent points (that is what the live
 *       forecast wants, but it is not the offline fit any more).</li>
 * </ul>
 * Reported steps are strictly increasing (a bucket's mean step lies within its own steps, and buckets do not
 * overlap).
 *
 * <p>Mutable, not thread-safe (one per run).
 */
public final class LossSummary {
    /** Default number of stored points. */
    public static final int DEFAULT_CAPACITY = 512;

    private final int capacity;
    private final double[] step;
    private final double[] loss;
    private final double[] weight;
    private int size;
    private long observed;
    private long lastStep = Long.MIN_VALUE;

    private LossSummary(int capacity) {
        if (capacity < 8) {
            throw new IllegalArgumentException("capacity must be >= 8, got " + capacity);
        }
        this.capacity = capacity;
        this.step = new double[capacity];
        this.loss = new double[capacity];
        this.weight = new double[capacity];
    }

    /** An empty summary of {@link #DEFAULT_CAPACITY} points. */
    public static LossSummary create() {
        return new LossSummary(DEFAULT_CAPACITY);
    }

    /** An empty summary of {@code capacity} points (at least 8). */
    public static LossSummary create(int capacity) {
        return new LossSummary(capacity);
    }

    /** Restores a summary exactly. */
    static LossSummary restore(int capacity, long observed, long lastStep, double[] steps, double[] losses,
                               double[] weights) {
        LossSummary s = new LossSummary(capacity);
        if (steps.length > capacity || steps.length != losses.length || steps.length != weights.length) {
            throw new IllegalArgumentException("inconsistent loss summary of " + steps.length + " points");
        }
        System.arraycopy(steps, 0, s.step, 0, steps.length);
        System.arraycopy(losses, 0, s.loss, 0, steps.length);
        System.arraycopy(weights, 0, s.weight, 0, steps.length);
        s.size = steps.length;
        s.observed = observed;
        s.lastStep = lastStep;
        return s;
    }

    /**
     * Adds a measured loss.
     *
     * @throws IllegalArgumentException if {@code step} is not after the last one added, or the loss is not finite
     *                                  and positive
     */
    public void add(long step, double lossValue) {
        if (step <= lastStep) {
            throw new IllegalArgumentException("step " + step + " not after " + lastStep);
        }
        if (!(lossValue > 0) || !Double.isFinite(lossValue)) {
            throw new IllegalArgumentException("loss at step " + step + " is " + lossValue);
        }
        if (size == capacity) {
            compact();
        }
        this.step[size] = step;
        this.loss[size] = lossValue;
        this.weight[size] = 1;
        size++;
        observed++;
        lastStep = step;
    }

    /** Merges the older half pairwise (an odd last one is kept); the newer half is kept raw. */
    private void compact() {
        int half = size / 2;
        int w = 0;
        for (int r = 0; r + 1 < half; r += 2) {
            double wa = weight[r];
            double wb = weight[r + 1];
            double t = wa + wb;
            step[w] = (wa * step[r] + wb * step[r + 1]) / t;
            loss[w] = (wa * loss[r] + wb * loss[r + 1]) / t;
            weight[w] = t;
            w++;
        }
        if (half % 2 == 1) {
            move(w++, half - 1);
        }
        for (int r = half; r < size; r++) {
            move(w++, r);
        }
        size = w;
    }

    private void move(int to, int from) {
        step[to] = step[from];
        loss[to] = loss[from];
        weight[to] = weight[from];
    }

    /** Number of stored points (buckets). */
    public int size() {
        return size;
    }

    /** Number of points ever added. */
    public long observed() {
        return observed;
    }

    /** Whether every point added is stored as it was (no merge yet). */
    public boolean exact() {
        return observed == size;
    }

    /** The capacity. */
    public int capacity() {
        return capacity;
    }

    /** The last step added; {@code Long.MIN_VALUE} when empty. */
    public long lastStep() {
        return lastStep;
    }

    /** Representative steps, strictly increasing (a bucket's weighted mean step, rounded). */
    public long[] steps() {
        long[] out = new long[size];
        for (int i = 0; i < size; i++) {
            out[i] = Math.round(step[i]);
        }
        return out;
    }

    /** The loss of each point (a bucket's weighted mean loss). */
    public double[] losses() {
        return Arrays.copyOf(loss, size);
    }

    /** The number of added points each stored point stands for. */
    public double[] weights() {
        return Arrays.copyOf(weight, size);
    }

    /** Unrounded mean steps (for exact serialization). */
    double[] rawSteps() {
        return Arrays.copyOf(step, size);
    }

    @Override
    public String toString() {
        return "LossSummary[" + size + " of " + observed + " points]";
    }
}
