package dev.runlaw.math.anomaly;

import dev.runlaw.math.moe.ExpertLoadStats;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * MoE health detectors of one run × layer, fed the tokens routed to each of the layer's E experts at every step
 * ({@code t_e}, {@code T = Σ t_e}; statistics from {@link ExpertLoadStats}). Thresholds: {@link AnomalySettings.Moe}.
 * No look-ahead: each step's alerts depend on that step and the state left by earlier ones.
 *
 * <ul>
 *   <li><b>IMBALANCE</b> (WARNING): {@code m = EWMA of ln(max/mean)} (weight {@code imbalanceAlpha}). It fires when,
 *       for {@code imbalanceSteps} consecutive steps, either {@code exp(m) > imbalanceRatio} (absolute) or
 *       {@code exp(m) > imbalanceFloor} and {@code exp(m − best) > imbalanceRise}, where {@code best} is the lowest
 *       {@code m} the layer has held after its first {@code baselineWarmupSteps} steps (drift). Why both: a fixed
 *       max/mean threshold either fires during the routers' warm-up skew (max/mean 3.57 on a healthy run) or misses a
 *       layer that drifts from 1.3 to 1.7 once the balancing loss stops working; the layer's own best level tells
 *       drift from the still-settling start. Smoothing, not single steps: the load of one step is noisy.</li>
 *   <li><b>DEAD_EXPERT</b> (WARNING): an expert with zero tokens for {@code deadExpertSteps} consecutive steps (see
 *       {@link DeadExperts}: one alert per group of experts dying together, each expert told).</li>
 *   <li><b>ROUTER_COLLAPSE</b> (CRITICAL): for {@code collapseSteps} consecutive steps the normalised entropy
 *       {@code H / ln E < collapseEntropy} or the top {@code max(1, round(E · collapseTopFraction))} experts take
 *       more than {@code collapseTopShare} of the tokens. Entropy sees a router that concentrates on a few experts
 *       whatever E is; the top share sees one expert in nearly every token's top-k, which with top-k routing keeps
 *       entropy above {@code ln k / ln E}. It resolves after {@code resolveSteps} steps with entropy ≥
 *       {@code collapseResolveEntropy} and top share ≤ {@code collapseResolveShare} (hysteresis, so it cannot
 *       flap). The loss need not show a collapse: only the load does.</li>
 *   <li><b>DROP_RATE</b> (WARNING): the dropped fraction {@code d / (T + d)} exceeds its EWMA baseline (weight
 *       {@code dropAlpha}, frozen while raised) by more than {@code dropRateJump} for {@code dropSteps} consecutive
 *       steps; resolves after {@code resolveSteps} steps within half that jump. Capacity drops are normal at some
 *       level; a jump means the router or the capacity factor changed.</li>
 * </ul>
 * A step with no routed token ({@code T = 0}) carries no evidence and changes nothing; a step not after the last
 * one seen (duplicate or late) is ignored. Every alert other than DEAD_EXPERT goes through the shared
 * {@link AlertLifecycle} (de-duplication and cool-down per kind). State: O(1) plus the E-sized zero-run counters.
 * Not thread-safe; one instance per run × layer.
 */
public final class LayerDetectors {
    private static final int VERSION = 1;

    private final int layer;
    private final AnomalySettings.Moe s;
    private final long cooldown;
    private final AlertLifecycle lifecycle;
    private DeadExperts dead;
    /** Reused buffer for the top-share selection (not state). */
    private long[] scratch = new long[0];

    private long lastStep = Long.MIN_VALUE;
    private long observed;
    private double logImbalance = Double.NaN;
    private double bestLogImbalance = Double.POSITIVE_INFINITY;
    private final Streak imbalance = new Streak();
    private final Streak collapse = new Streak();
    private double dropBaseline = Double.NaN;
    private final Streak drop = new Streak();

    /** Detectors of {@code layer} (≥ 0) with the given settings; the expert count is fixed by the first step. */
    public LayerDetectors(int layer, AnomalySettings settings) {
        this(layer, settings, new AlertLifecycle(settings.cooldownSteps()));
    }

    private LayerDetectors(int layer, AnomalySettings settings, AlertLifecycle lifecycle) {
        if (layer < 0) {
            throw new IllegalArgumentException("layer must be >= 0, got " + layer);
        }
        this.layer = layer;
        this.s = settings.moe();
        this.cooldown = settings.cooldownSteps();
        this.lifecycle = lifecycle;
    }

    /**
     * Feeds one step of this layer.
     *
     * @param step            optimizer step (increasing)
     * @param tokensPerExpert tokens (or token slots) routed to each expert, all ≥ 0; the same length at every step
     * @param droppedTokens   tokens dropped at this layer and step, -1 when unknown
     * @return OPEN and RESOLVED events raised by this step (often empty)
     */
    public List<Alert> onExpertLoad(long step, long[] tokensPerExpert, long droppedTokens) {
        if (dead != null && tokensPerExpert.length != dead.experts()) {
            throw new IllegalArgumentException("layer " + layer + " has " + dead.experts() + " experts, step "
                    + step + " reports " + tokensPerExpert.length);
        }
        ExpertLoadStats st = ExpertLoadStats.of(tokensPerExpert);
        if (step <= lastStep || st.totalTokens() == 0) {
            return List.of();
        }
        if (dead == null) {
            dead = new DeadExperts(layer, tokensPerExpert.length, s.deadExpertSteps(), cooldown);
        }
        lastStep = step;
        observed++;
        List<Alert> out = new ArrayList<>(0);
        double mean = (double) st.totalTokens() / tokensPerExpert.length;
        checkImbalance(step, st, out);
        dead.onStep(step, tokensPerExpert, mean, out);
        checkCollapse(step, st, topShare(tokensPerExpert, st.totalTokens()), out);
        if (droppedTokens >= 0) {
            checkDrops(step, (double) droppedTokens / (st.totalTokens() + droppedTokens), out);
        }
        return out;
    }

    private void checkImbalance(long step, ExpertLoadStats st, List<Alert> out) {
        double x = Math.log(st.maxOverMean());
        logImbalance = Double.isNaN(logImbalance) ? x : logImbalance + s.imbalanceAlpha() * (x - logImbalance);
        if (observed > s.baselineWarmupSteps()) {
            bestLogImbalance = Math.min(bestLogImbalance, logImbalance);
        }
        double smooth = Math.exp(logImbalance);
        boolean absolute = smooth > s.imbalanceRatio();
        boolean drift = smooth > s.imbalanceFloor() && logImbalance - bestLogImbalance > Math.log(s.imbalanceRise());
        int run = imbalance.update(step, absolute || drift, !absolute && !drift);
        if (run >= s.imbalanceSteps() && canOpen(AlertKind.IMBALANCE)) {
            double expected = absolute ? s.imbalanceRatio() : Math.exp(bestLogImbalance);
            lifecycle.open(AlertKind.IMBALANCE, Severity.WARNING, layer, imbalance.start, step, smooth, expected,
                    smooth / expected, String.format(Locale.ROOT, "layer %d: smoothed max/mean load %.2f %s for %d steps", layer,
                            smooth, absolute ? String.format(Locale.ROOT, "above %.2f", s.imbalanceRatio())
                                    : String.format(Locale.ROOT, "is %.2fx its best %.2f", smooth / expected, expected),
                            imbalance.length)).ifPresent(out::add);
        }
        resolveIfHealthy(AlertKind.IMBALANCE, imbalance, out);
    }

    private void checkCollapse(long step, ExpertLoadStats st, double top, List<Alert> out) {
        boolean bad = st.normEntropy() < s.collapseEntropy() || top > s.collapseTopShare();
        boolean healthy = st.normEntropy() >= s.collapseResolveEntropy() && top <= s.collapseResolveShare();
        if (collapse.update(step, bad, healthy) >= s.collapseSteps() && canOpen(AlertKind.ROUTER_COLLAPSE)) {
            lifecycle.open(AlertKind.ROUTER_COLLAPSE, Severity.CRITICAL, layer, collapse.start, step,
                    st.normEntropy(), s.collapseEntropy(), top,
                    String.format(Locale.ROOT, "layer %d: router collapse for %d steps: normalised entropy %.2f, top %d experts"
                                    + " take %.0f%% of tokens", layer, collapse.length, st.normEntropy(),
                            topCount(), 100 * top)).ifPresent(out::add);
        }
        resolveIfHealthy(AlertKind.ROUTER_COLLAPSE, collapse, out);
    }

    private void checkDrops(long step, double fraction, List<Alert> out) {
        if (Double.isNaN(dropBaseline)) {
            dropBaseline = fraction;
        }
        double jump = fraction - dropBaseline;
        boolean bad = jump > s.dropRateJump();
        if (drop.update(step, bad, jump <= s.dropRateJump() / 2) >= s.dropSteps() && canOpen(AlertKind.DROP_RATE)) {
            lifecycle.open(AlertKind.DROP_RATE, Severity.WARNING, layer, drop.start, step, fraction, dropBaseline,
                    jump, String.format(Locale.ROOT, "layer %d: %.1f%% of tokens dropped, baseline %.1f%%", layer,
                            100 * fraction, 100 * dropBaseline)).ifPresent(out::add);
        }
        if (!bad && !lifecycle.isOpen(AlertKind.DROP_RATE, layer)) {
            dropBaseline += s.dropAlpha() * (fraction - dropBaseline);
        }
        resolveIfHealthy(AlertKind.DROP_RATE, drop, out);
    }

    /** False while an alert of this kind is open: no message is formatted for a step the lifecycle would absorb. */
    private boolean canOpen(AlertKind kind) {
        return !lifecycle.isOpen(kind, layer);
    }

    private void resolveIfHealthy(AlertKind kind, Streak streak, List<Alert> out) {
        if (streak.healthy >= s.resolveSteps()) {
            lifecycle.resolve(kind, layer, streak.lastBad).ifPresent(out::add);
        }
    }

    private int topCount() {
        return Math.max(1, (int) Math.round(dead.experts() * s.collapseTopFraction()));
    }

    /**
     * Share of the T tokens taken by the top {@code m = max(1, round(E · collapseTopFraction))} experts: a
     * quickselect puts the m largest counts last in a scratch copy, O(E) on average (a full sort was the largest
     * cost at 256 experts).
     */
    private double topShare(long[] tokens, long total) {
        int e = tokens.length;
        int m = Math.max(1, (int) Math.round(e * s.collapseTopFraction()));
        if (scratch.length != e) {
            scratch = new long[e];
        }
        System.arraycopy(tokens, 0, scratch, 0, e);
        select(scratch, e - m);
        long top = 0;
        for (int i = e - m; i < e; i++) {
            top += scratch[i];
        }
        return (double) top / total;
    }

    /** Reorders {@code a} so that a[k] is the k-th smallest, smaller ones before it and larger ones after. */
    static void select(long[] a, int k) {
        int lo = 0;
        int hi = a.length - 1;
        while (lo < hi) {
            long pivot = a[(lo + hi) >>> 1];
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (a[i] < pivot) {
                    i++;
                }
                while (a[j] > pivot) {
                    j--;
                }
                if (i <= j) {
                    long t = a[i];
                    a[i++] = a[j];
                    a[j--] = t;
                }
            }
            if (k <= j) {
                hi = j;
            } else if (k >= i) {
                lo = i;
            } else {
                return;
            }
        }
    }

    /**
     * The run has ended: resolves every alert of this layer still open (dead experts included) at the layer's last
     * observed step. Call once, when the run finishes or its replayed file ends.
     *
     * @return the RESOLVED events (empty when nothing was open or no step was seen)
     */
    public List<Alert> closeAll() {
        List<Alert> out = new ArrayList<>(0);
        if (lastStep == Long.MIN_VALUE) {
            return out;
        }
        lifecycle.closeAll(lastStep, out);
        if (dead != null) {
            dead.closeAll(lastStep, out);
        }
        return out;
    }

    /** Number of steps fed (with tokens), for tests and diagnostics. */
    public long observedSteps() {
        return observed;
    }

    /** The layer. */
    public int layer() {
        return layer;
    }

    /** Serialises the state (version byte first); the settings are not stored. */
    public byte[] toBytes() {
        return StateBytes.write(VERSION, out -> {
            out.writeInt(layer);
            out.writeLong(lastStep);
            out.writeLong(observed);
            out.writeDouble(logImbalance);
            out.writeDouble(bestLogImbalance);
            out.writeDouble(dropBaseline);
            for (Streak k : new Streak[]{imbalance, collapse, drop}) {
                k.write(out);
            }
            lifecycle.write(out);
            out.writeBoolean(dead != null);
            if (dead != null) {
                dead.write(out);
            }
        });
    }

    /** Restores what {@link #toBytes} wrote, with the given settings. */
    public static LayerDetectors fromBytes(byte[] state, AnomalySettings settings) {
        return StateBytes.read(state, VERSION, "LayerDetectors", in -> {
            int layer = in.readInt();
            long lastStep = in.readLong();
            long observed = in.readLong();
            double logImbalance = in.readDouble();
            double best = in.readDouble();
            double dropBaseline = in.readDouble();
            Streak[] streaks = {Streak.read(in), Streak.read(in), Streak.read(in)};
            LayerDetectors d = new LayerDetectors(layer, settings, AlertLifecycle.read(in));
            d.lastStep = lastStep;
            d.observed = observed;
            d.logImbalance = logImbalance;
            d.bestLogImbalance = best;
            d.dropBaseline = dropBaseline;
            d.imbalance.copy(streaks[0]);
            d.collapse.copy(streaks[1]);
            d.drop.copy(streaks[2]);
            if (in.readBoolean()) {
                d.dead = DeadExperts.read(in, layer, settings.moe().deadExpertSteps(), settings.cooldownSteps());
            }
            return d;
        });
    }
}
