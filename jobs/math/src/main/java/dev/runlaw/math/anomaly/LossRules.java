package dev.runlaw.math.anomaly;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.List;
import java.util.Locale;

/**
 * LOSS_SPIKE, DIVERGENCE and PLATEAU over one run's losses, O(1) state. Scores come from {@link LossBaseline}
 * ({@code z} = log-loss residual in robust scales against the law's expected loss times a running bias, or against a
 * running Holt baseline when there is no law).
 *
 * <ul>
 *   <li><b>LOSS_SPIKE</b> (WARNING): after {@code warmupSteps} observations, {@code z >= spikeZ} and
 *       {@code loss >= spikeMinRatio * expected}, or {@code z >= spikeRatioZ} and {@code loss >= spikeRatio *
 *       expected} (a large effect beyond a lower noise bar: on a noisy run a x1.2 spike is under 6 sd). Resolves at the first step with {@code z < spikeResolveZ}; the
 *       RESOLVED event's {@code lastStep} is the last step still above it, so a short spike that recovers is closed
 *       with its duration. The rule of OLMo-core (mean + 6 sd of the last 128 values) and of llm-foundry (2x the mean
 *       of the last 100) compare with the run's own recent values; this one compares with what the law expects.</li>
 *   <li><b>DIVERGENCE</b> (CRITICAL): one-sided CUSUM (Page 1954, Biometrika 41) on the clipped score,
 *       {@code S_t = max(0, S_{t-1} + min(z_t, clipZ) - cusumK)}, raised when {@code S_t > cusumH}. A spike of three
 *       steps adds at most {@code 3 * (clipZ - cusumK)} (6 with the defaults, below {@code cusumH} = 12), so only a
 *       sustained departure raises it. The alert's {@code firstStep} is the step after the last step where
 *       {@code S} was 0, and its message names that last good step (where to roll back). The baseline keeps
 *       learning with clipped residuals (at most {@code levelAlpha * clipZ} scales a step), slower than a
 *       divergence the CUSUM must catch; {@code S} starts after the warm-up. Resolves when {@code S} returns to
 *       0. Alongside, a multi-scale window test ({@link DriftWindows}: the mean clipped score over the last 8, 16
 *       or 32 losses above {@code driftZ} standard errors) raises the same alert sooner on a fast ramp.</li>
 *   <li><b>PLATEAU</b> (WARNING): see {@link PlateauRule} (progress over blocks of steps against the run's own
 *       earlier progress, with or without a law).</li>
 * </ul>
 */
final class LossRules {
    private final LossBaseline baseline;
    private double cusum;
    private long lastGoodStep = -1;
    private long lastSpikeStep = -1;
    private final PlateauRule plateau;
    private final DriftWindows drift;

    LossRules() {
        this(new LossBaseline(), new PlateauRule(), new DriftWindows());
    }

    private LossRules(LossBaseline baseline, PlateauRule plateau, DriftWindows drift) {
        this.baseline = baseline;
        this.plateau = plateau;
        this.drift = drift;
    }

    /** Folds one finite positive loss in and raises or resolves alerts. */
    void onLoss(long step, double loss, double lawLoss, double lr, AnomalySettings s, AlertLifecycle life,
                List<Alert> out) {
        long before = baseline.count();
        double z = baseline.observe(loss, lawLoss, s);
        double expected = baseline.expectedLoss(lawLoss);
        boolean warm = before >= s.warmupSteps();
        spike(step, loss, z, expected, warm, s, life, out);
        divergence(step, loss, z, expected, warm, s, life, out);
        plateau.onLoss(step, loss, lr, warm, s, life, out);
    }

    private void spike(long step, double loss, double z, double expected, boolean warm, AnomalySettings s,
                       AlertLifecycle life, List<Alert> out) {
        if (life.isOpen(AlertKind.LOSS_SPIKE, Alert.NO_LAYER)) {
            if (!(z >= s.spikeResolveZ())) {
                life.resolve(AlertKind.LOSS_SPIKE, Alert.NO_LAYER, lastSpikeStep).ifPresent(out::add);
            } else {
                lastSpikeStep = step;
            }
            return;
        }
        // Two tiers: far beyond the noise with a modest effect, or a large effect beyond a lower noise bar (a noisy
        // run's x1.2 spike is under 6 of its sd, but still a loss 20 % above what was expected).
        boolean strong = z >= s.spikeZ() && loss >= s.spikeMinRatio() * expected;
        boolean large = z >= s.spikeRatioZ() && loss >= s.spikeRatio() * expected;
        if (warm && (strong || large)) {
            lastSpikeStep = step;
            life.open(AlertKind.LOSS_SPIKE, Severity.WARNING, Alert.NO_LAYER, step, step, loss, expected, z,
                    String.format(Locale.ROOT, "loss %.4g is %.2fx the expected %.4g (%.1f robust sd)", loss,
                            loss / expected, expected, z)).ifPresent(out::add);
        }
    }

    private void divergence(long step, double loss, double z, double expected, boolean warm, AnomalySettings s,
                            AlertLifecycle life, List<Alert> out) {
        if (Double.isNaN(z) || !warm) {
            lastGoodStep = step;
            return;
        }
        double clipped = Math.min(z, s.clipZ());
        cusum = Math.max(0, cusum + clipped - s.cusumK());
        drift.add(step, clipped);
        boolean open = life.isOpen(AlertKind.DIVERGENCE, Alert.NO_LAYER);
        if (cusum == 0) {
            if (open) {
                life.resolve(AlertKind.DIVERGENCE, Alert.NO_LAYER, step - 1).ifPresent(out::add);
            }
            lastGoodStep = step;
            return;
        }
        if (open) {
            return;
        }
        int w = drift.firing(s.driftZ());
        if (cusum > s.cusumH() || w >= 0) {
            String why = w >= 0 ? String.format(Locale.ROOT, "the last %d losses %.1f standard errors high",
                    DriftWindows.WINDOWS[w], drift.statistic(w))
                    : String.format(Locale.ROOT, "CUSUM %.1f", cusum);
            life.open(AlertKind.DIVERGENCE, Severity.CRITICAL, Alert.NO_LAYER, lastGoodStep + 1, step, loss,
                    expected, cusum, String.format(Locale.ROOT, "loss diverging: %.4g vs expected %.4g, %s;"
                            + " last good step %d", loss, expected, why, lastGoodStep)).ifPresent(out::add);
        }
    }

    /** Score of the last loss (NaN before the scale exists); for tests and replay diagnostics. */
    double lastZ() {
        return baseline.lastZ();
    }

    double cusum() {
        return cusum;
    }

    void write(DataOutput out) throws IOException {
        baseline.write(out);
        out.writeDouble(cusum);
        out.writeLong(lastGoodStep);
        out.writeLong(lastSpikeStep);
        plateau.write(out);
        drift.write(out);
    }

    static LossRules read(DataInput in) throws IOException {
        LossBaseline b = LossBaseline.read(in);
        double cusum = in.readDouble();
        long lastGood = in.readLong();
        long lastSpike = in.readLong();
        PlateauRule plateau = PlateauRule.read(in);
        LossRules r = new LossRules(b, plateau, DriftWindows.read(in));
        r.cusum = cusum;
        r.lastGoodStep = lastGood;
        r.lastSpikeStep = lastSpike;
        return r;
    }
}
