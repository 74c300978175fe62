package dev.runlaw.math.live;

import java.util.Arrays;

/**
 * Bounded summary of a run's measured losses: representative (step, loss) points for the law fit.
 *
 * <p><b>Exact</b> while at most {@code capacity} points were added: {@link #steps()} and {@link #losses()} are then
 * the points themselves, so a fit on the summary equals the offline fit on the same points (the reference curves
 * have at most ~560 measured points, 546 for the 72 000-step runs, about 220 of them in the first 40 %; the
 * default capacity is 512).
 *
 * <p><b>Beyond capacity</b> the points are downsampled uniformly: when the store is full, adjacent pairs are merged
 * (a bucket's weight is its number of points, its step and loss the weight-averaged ones,
 * {@code step = sum w_i s_i / sum w_i}, reported rounded to an integer step, {@code loss = sum w_i L_i / sum w_i}),
 * so every closed bucket holds the same number {@code w} of consecutive points (a power of 2) and new points fill
 * the last, open bucket until it holds {@code w}. Between {@code capacity / 2} and {@code capacity} buckets then
 * cover the whole run evenly (in points, so in steps for a regularly logged loss), like the offline curves logged
 * every 128 steps; memory is {@code 3 * capacity} numbers whatever the run's length.
 *
 * <p>Why not {@code OnlineRunState}'s "merge the older half": for a run logging its loss at every step it keeps half
 * the capacity for the last {@code capacity / 2} steps, and a fit on such a summary (buckets counted equally) leans
 * on a sliver of the run; on a 10^6-step cosine run the momentum-law fit did not converge at all.
 *
 * <p>Biases, both small next to the loss noise for narrow buckets but worth knowing:
 * <ul>
 *   <li>the loss curve is convex in the step, so a bucket's mean loss lies above the curve at its mean step, by
 *       about {@code L''(s) var(s) / 2} over the bucket; largest for the first buckets after warmup, where the curve
 *       bends most (e.g. {@code L = 2.5 + 4 s^-0.25} logged every step for 10^6 steps: buckets of 2048 steps, about
 *       1e-3 relative in the first one, below 1e-5 after step 50 000);</li>
 *   <li>a fit that takes {@link #steps()} / {@link #losses()} without {@link #weights()} counts the open last
 *       bucket, which may hold fewer points, as much as the others.</li>
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
    /** Points per closed bucket (1 while exact). */
    private double width = 1;
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
    static LossSummary restore(int capacity, double width, long observed, long lastStep, double[] steps,
                               double[] losses, double[] weights) {
        LossSummary s = new LossSummary(capacity);
        if (steps.length > capacity || steps.length != losses.length || steps.length != weights.length) {
            throw new IllegalArgumentException("inconsistent loss summary of " + steps.length + " points");
        }
        System.arraycopy(steps, 0, s.step, 0, steps.length);
        System.arraycopy(losses, 0, s.loss, 0, steps.length);
        System.arraycopy(weights, 0, s.weight, 0, steps.length);
        s.size = steps.length;
        s.width = width;
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
        if (size == capacity && !(weight[size - 1] < width)) {
            compact();
        }
        if (size > 0 && weight[size - 1] < width) {
            // The open bucket takes the point: running weighted mean.
            int i = size - 1;
            double t = weight[i] + 1;
            this.step[i] += (step - this.step[i]) / t;
            this.loss[i] += (lossValue - this.loss[i]) / t;
            weight[i] = t;
        } else {
            this.step[size] = step;
            this.loss[size] = lossValue;
            this.weight[size] = 1;
            size++;
        }
        observed++;
        lastStep = step;
    }

    /** Merges adjacent pairs (an odd last one is kept, and becomes the open bucket); the bucket width doubles. */
    private void compact() {
        int w = 0;
        for (int r = 0; r + 1 < size; r += 2) {
            double wa = weight[r];
            double wb = weight[r + 1];
            double t = wa + wb;
            step[w] = (wa * step[r] + wb * step[r + 1]) / t;
            loss[w] = (wa * loss[r] + wb * loss[r + 1]) / t;
            weight[w] = t;
            w++;
        }
        if (size % 2 == 1) {
            move(w++, size - 1);
        }
        size = w;
        width *= 2;
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

    /** Points per closed bucket: 1 while exact, then a power of 2. */
    public double bucketWidth() {
        return width;
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
