package dev.runlaw.math.cbs;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Online gradient noise scale of one run: B_simple = tr(Σ)/|G|² (McCandlish et al. 2018, "An Empirical Model of
 * Large-Batch Training", arXiv 1812.06162, App. A).
 *
 * <p>Per step, from the squared gradient norm |G_s|² at batch B_s (the mean over replicas or micro-batches of each
 * one's own squared norm) and |G_b|² at batch B_b (the global batch), the unbiased per-step estimates are
 * <pre>
 *   |G|²_t  = (B_b·|G_b|² − B_s·|G_s|²) / (B_b − B_s)
 *   tr(Σ)_t = (|G_s|² − |G_b|²) / (1/B_s − 1/B_b)
 * </pre>
 * Each is smoothed <em>separately</em> by an exponentially weighted mean, debiased by dividing by the accumulated
 * weight; B_simple is the ratio of the two means, never a mean of per-step ratios (those are dominated by steps
 * whose |G|²_t is near 0).
 *
 * <p>Interval: Fieller's theorem for the ratio of two correlated means (Fieller 1954), with the means' variances
 * from the weighted co-moments over the Kish effective sample size (Σw)²/Σw², inflated by (1+ρ)/(1−ρ) for each
 * series' lag-1 autocorrelation ρ. When |G|² is not significantly above 0 the set is unbounded:
 * {@link NoiseScaleStatus#LOWER_BOUND_ONLY}.
 *
 * <p>Half-life: real noise scales jump 2–4× within a few hundred steps, so no single half-life is right (a long
 * one lags the jumps, a short one is noisy when the per-step estimates are). The estimator keeps a ladder of
 * exponential means at half-lives h, h/2, h/4, … ({@link NoiseScaleSettings#rungs()}) and reports the longest
 * whose interval (at a wider selection level) intersects those of all shorter ones: the intersection of
 * confidence intervals rule (Goldenshluger and Nemirovski 1997; Katkovnik 1999), Lepski's method for window
 * selection. In steady stretches it averages over h; after a jump it falls back to the rung that has caught up.
 * The reported interval is the hull of the chosen rung's and the next shorter rung's (when that one is bounded),
 * so a change the chosen mean still lags stays inside it.
 * Coverage and error on synthetic per-example gradients with known truth: {@code NoiseScaleCoverageTest} and
 * docs/batch-size.md.
 *
 * <p>O(1) state: {@link #stateBytes(int)} bytes (498 with the default 5 rungs). Not thread-safe.
 */
public final class NoiseScaleEstimator {
    private static final int VERSION = 1;
    /**
     * Two-sided level (±1σ) of the intervals compared when choosing the half-life. Lepski-type rules are
     * conservative at wide levels (they keep a lagging long mean too long); at ±1σ the synthetic runs of
     * docs/batch-size.md had the lowest median error across noise levels.
     */
    static final double SELECTION_LEVEL = 0.6827;

    private final NoiseScaleSettings settings;
    private final double stepDecay;
    private final double lnHalfPerToken;
    private final EmaMoments[] rungs;

    private long count;
    private long lastStep = Long.MIN_VALUE;

    /** An empty estimator. */
    public NoiseScaleEstimator(NoiseScaleSettings settings) {
        if (settings == null) {
            throw new IllegalArgumentException("settings must not be null");
        }
        this.settings = settings;
        this.stepDecay = Math.pow(0.5, 1 / settings.halfLifeSteps());
        this.lnHalfPerToken = settings.decaysInTokens() ? Math.log(0.5) / settings.halfLifeTokens() : 0;
        this.rungs = new EmaMoments[settings.rungs()];
        for (int i = 0; i < rungs.length; i++) {
            rungs[i] = new EmaMoments();
        }
    }

    /** Bytes of {@link #toBytes()} for a ladder of {@code rungs} half-lives. */
    public static int stateBytes(int rungs) {
        return 1 + 1 + 2 * Long.BYTES + rungs * EmaMoments.DOUBLES * Double.BYTES;
    }

    /** The settings this estimator runs with. */
    public NoiseScaleSettings settings() {
        return settings;
    }

    /**
     * Adds one step's squared gradient norms.
     *
     * @param step        optimizer step; must increase (a gap of k steps decays the weights as k steps)
     * @param gradSqSmall |G_s|²: mean over the small batches of each one's own squared gradient norm
     * @param batchSmall  B_s, sequences in each small batch (≥ 1)
     * @param gradSqBig   |G_b|²: squared norm of the global (big-batch) gradient
     * @param batchBig    B_b, sequences in the global batch (&gt; B_s)
     * @param tokens      tokens in this step, 0 when unknown; used only when decaying in tokens
     * @return {@link SampleStatus#ACCEPTED}, or why the sample was ignored (the state is then unchanged)
     */
    public SampleStatus add(long step, double gradSqSmall, long batchSmall, double gradSqBig, long batchBig,
                            long tokens) {
        if (!Double.isFinite(gradSqSmall) || !Double.isFinite(gradSqBig)) {
            return SampleStatus.NON_FINITE;
        }
        if (gradSqSmall < 0 || gradSqBig < 0 || tokens < 0) {
            return SampleStatus.NEGATIVE;
        }
        if (batchSmall < 1 || batchSmall >= batchBig) {
            return SampleStatus.BAD_BATCH;
        }
        if (count > 0 && step <= lastStep) {
            return SampleStatus.OUT_OF_ORDER;
        }
        double bs = batchSmall;
        double bb = batchBig;
        double g = (bb * gradSqBig - bs * gradSqSmall) / (bb - bs);
        double s = (gradSqSmall - gradSqBig) / (1 / bs - 1 / bb);
        boolean first = count == 0;
        // The longest half-life's decay; each next rung has half the half-life, so its decay is the square.
        double d = first ? 0 : decay(step - lastStep, tokens);
        for (EmaMoments rung : rungs) {
            rung.add(g, s, d, first);
            d *= d;
        }
        count++;
        lastStep = step;
        return SampleStatus.ACCEPTED;
    }

    private double decay(long steps, long tokens) {
        if (lnHalfPerToken != 0 && tokens > 0) {
            return Math.exp(lnHalfPerToken * tokens);
        }
        return steps == 1 ? stepDecay : Math.pow(stepDecay, steps);
    }

    /** The current estimate; meant for every N steps (it computes one Fieller interval per rung). */
    public NoiseScaleEstimate estimate() {
        if (count == 0) {
            return NoiseScaleEstimate.noData();
        }
        int pick = choose();
        EmaMoments chosen = rungs[pick];
        double g = chosen.meanG();
        double s = chosen.meanS();
        double point = g > 0 ? Math.max(0, s) / g : Double.NaN;
        double[] band = chosen.band(settings.level(), count - 1, true);
        if (pick + 1 < rungs.length) {
            // The chosen mean may still lag a change the next shorter one has begun to follow: report the hull. Not
            // when that one is unbounded: a short mean too noisy to bound |G|² says nothing about the lag, and the
            // status must say whether the reported mean's |G|² is distinguishable from 0.
            double[] next = rungs[pick + 1].band(settings.level(), count - 1, true);
            if (Double.isFinite(next[1])) {
                band[0] = Math.min(band[0], next[0]);
                band[1] = Math.max(band[1], next[1]);
            }
        }
        NoiseScaleStatus status;
        if (count < settings.minSamples()) {
            status = NoiseScaleStatus.WARMING_UP;
        } else if (Double.isInfinite(band[1])) {
            status = NoiseScaleStatus.LOWER_BOUND_ONLY;
        } else {
            status = NoiseScaleStatus.OK;
        }
        return new NoiseScaleEstimate(lastStep, point, band[0], band[1], g, s, band[2], status);
    }

    /**
     * Intersection of confidence intervals: from the shortest half-life up, the last rung agreeing with all
     * before. The compared intervals leave out the autocorrelation inflation: drift inside a long window inflates
     * it, which would hide exactly the lag the rule is there to detect.
     */
    private int choose() {
        int best = rungs.length - 1;
        double lo = 0;
        double hi = Double.POSITIVE_INFINITY;
        for (int i = rungs.length - 1; i >= 0; i--) {
            double[] band = rungs[i].band(SELECTION_LEVEL, count - 1, false);
            lo = Math.max(lo, band[0]);
            hi = Math.min(hi, band[1]);
            if (lo > hi) {
                break;
            }
            best = i;
        }
        return best;
    }

    /** Accepted samples so far. */
    public long samples() {
        return count;
    }

    /** The state, versioned: {@link #stateBytes(int)} bytes. */
    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(stateBytes(rungs.length));
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeByte(rungs.length);
            out.writeLong(count);
            out.writeLong(lastStep);
            for (EmaMoments rung : rungs) {
                rung.write(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * An estimator from {@link #toBytes()} with {@code settings} (a new half-life applies from the next sample;
     * the number of rungs must match the state's).
     *
     * @throws IllegalArgumentException on an unknown version, a different number of rungs, or truncated bytes
     */
    public static NoiseScaleEstimator fromBytes(NoiseScaleSettings settings, byte[] state) {
        if (state == null || state.length < 2) {
            throw new IllegalArgumentException("noise scale state is empty or truncated");
        }
        if (state[0] != VERSION) {
            throw new IllegalArgumentException("unknown noise scale state version " + state[0]);
        }
        if (state[1] != settings.rungs()) {
            throw new IllegalArgumentException("noise scale state has " + state[1] + " rungs, settings ask for "
                    + settings.rungs());
        }
        if (state.length != stateBytes(settings.rungs())) {
            throw new IllegalArgumentException("noise scale state has " + state.length + " bytes, expected "
                    + stateBytes(settings.rungs()));
        }
        NoiseScaleEstimator e = new NoiseScaleEstimator(settings);
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(state))) {
            in.readShort();
            e.count = in.readLong();
            e.lastStep = in.readLong();
            for (int i = 0; i < e.rungs.length; i++) {
                e.rungs[i] = EmaMoments.read(in);
            }
        } catch (IOException ex) {
            throw new IllegalArgumentException("noise scale state unreadable: " + ex.getMessage(), ex);
        }
        return e;
    }
}
