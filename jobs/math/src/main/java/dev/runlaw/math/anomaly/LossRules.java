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
 *       {@code loss >= spikeMinRatio * expected}. Resolves at the first step with {@code z < spikeResolveZ}; the
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
 *       0.</li>
 *   <li><b>PLATEAU</b> (WARNING, only with a law): losses are averaged in consecutive blocks of
 *       {@code plateauWindow} steps, in log, together with the law's expected loss at the same steps. With the drops
 *       between two consecutive blocks, {@code d_obs} and {@code d_law}: raised when {@code d_law >=
 *       plateauMinLawDrop} and {@code d_obs < plateauProgress * d_law}; resolves at a block with
 *       {@code d_obs >= d_law / 2}.</li>
 * </ul>
 */
final class LossRules {
    private final LossBaseline baseline;
    private double cusum;
    private long lastGoodStep = -1;
    private long lastSpikeStep = -1;
    // Plateau blocks: sums of ln loss and ln law over the current block, and the previous block's means.
    private long blockStart = -1;
    private long blockCount;
    private double blockObs;
    private double blockLaw;
    private double prevObs = Double.NaN;
    private double prevLaw = Double.NaN;
    private long prevBlockStart = -1;

    LossRules() {
        this(new LossBaseline());
    }

    private LossRules(LossBaseline baseline) {
        this.baseline = baseline;
    }

    /** Folds one finite positive loss in and raises or resolves alerts. */
    void onLoss(long step, double loss, double lawLoss, AnomalySettings s, AlertLifecycle life, List<Alert> out) {
        long before = baseline.count();
        double z = baseline.observe(loss, lawLoss, s);
        double expected = baseline.expectedLoss(lawLoss);
        boolean warm = before >= s.warmupSteps();
        spike(step, loss, z, expected, warm, s, life, out);
        divergence(step, loss, z, expected, warm, s, life, out);
        plateau(step, loss, lawLoss, s, life, out);
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
        if (warm && z >= s.spikeZ() && loss >= s.spikeMinRatio() * expected) {
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
        cusum = Math.max(0, cusum + Math.min(z, s.clipZ()) - s.cusumK());
        boolean open = life.isOpen(AlertKind.DIVERGENCE, Alert.NO_LAYER);
        if (cusum == 0) {
            if (open) {
                life.resolve(AlertKind.DIVERGENCE, Alert.NO_LAYER, step - 1).ifPresent(out::add);
            }
            lastGoodStep = step;
            return;
        }
        if (!open && warm && cusum > s.cusumH()) {
            life.open(AlertKind.DIVERGENCE, Severity.CRITICAL, Alert.NO_LAYER, lastGoodStep + 1, step, loss,
                    expected, cusum, String.format(Locale.ROOT, "loss diverging: %.4g vs expected %.4g, CUSUM %.1f;"
                            + " last good step %d", loss, expected, cusum, lastGoodStep)).ifPresent(out::add);
        }
    }

    private void plateau(long step, double loss, double lawLoss, AnomalySettings s, AlertLifecycle life,
                         List<Alert> out) {
        if (!(lawLoss > 0 && Double.isFinite(lawLoss))) {
            return;
        }
        if (blockCount == 0) {
            blockStart = step;
        }
        blockCount++;
        blockObs += Math.log(loss);
        blockLaw += Math.log(lawLoss);
        if (blockCount < s.plateauWindow()) {
            return;
        }
        double obs = blockObs / blockCount;
        double law = blockLaw / blockCount;
        if (!Double.isNaN(prevObs)) {
            double dObs = prevObs - obs;
            double dLaw = prevLaw - law;
            boolean open = life.isOpen(AlertKind.PLATEAU, Alert.NO_LAYER);
            if (!open && dLaw >= s.plateauMinLawDrop() && dObs < s.plateauProgress() * dLaw) {
                life.open(AlertKind.PLATEAU, Severity.WARNING, Alert.NO_LAYER, prevBlockStart, step, Math.exp(obs),
                        Math.exp(prevObs - dLaw), dObs / dLaw, String.format(Locale.ROOT,
                                "loss fell %.4f (log) over steps %d-%d, the law expects %.4f", dObs, prevBlockStart,
                                step, dLaw)).ifPresent(out::add);
            } else if (open && dObs >= dLaw / 2) {
                life.resolve(AlertKind.PLATEAU, Alert.NO_LAYER, blockStart - 1).ifPresent(out::add);
            }
        }
        prevObs = obs;
        prevLaw = law;
        prevBlockStart = blockStart;
        blockCount = 0;
        blockObs = 0;
        blockLaw = 0;
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
        out.writeLong(blockStart);
        out.writeLong(blockCount);
        out.writeDouble(blockObs);
        out.writeDouble(blockLaw);
        out.writeDouble(prevObs);
        out.writeDouble(prevLaw);
        out.writeLong(prevBlockStart);
    }

    static LossRules read(DataInput in) throws IOException {
        LossRules r = new LossRules(LossBaseline.read(in));
        r.cusum = in.readDouble();
        r.lastGoodStep = in.readLong();
        r.lastSpikeStep = in.readLong();
        r.blockStart = in.readLong();
        r.blockCount = in.readLong();
        r.blockObs = in.readDouble();
        r.blockLaw = in.readDouble();
        r.prevObs = in.readDouble();
        r.prevLaw = in.readDouble();
        r.prevBlockStart = in.readLong();
        return r;
    }
}
