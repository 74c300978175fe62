package dev.runlaw.math.anomaly;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.List;
import java.util.Locale;

/**
 * GRAD_NORM_SPIKE (WARNING): the z-score of the log gradient norm against its exponential moving mean and variance,
 * as ZClip (Kumar et al. 2025, arXiv 2504.02507) does on the raw norm, with decay {@code a = gradAlpha}:
 * <pre>
 *   x = ln g,  z = (x - m) / sqrt(v),  m' = a m + (1 - a) x_c,  v' = a v + (1 - a) (x_c - m)^2
 * </pre>
 * where {@code x_c} is {@code x} clipped to {@code m +- clipZ sqrt(v)} so a spike does not inflate the statistics
 * (ZClip likewise updates with the clipped norm). The log makes the score scale-free (gradient norms are
 * multiplicative). Raised when {@code z > gradZ} after {@code warmupSteps} norms (running mean and variance over
 * those); resolves at the first norm with {@code z < spikeResolveZ}. O(1) state.
 */
final class GradNormRule {
    private long n;
    private double mean;
    private double var;
    private long lastHigh = -1;

    void onGradNorm(long step, double g, AnomalySettings s, AlertLifecycle life, List<Alert> out) {
        double x = Math.log(g);
        if (n == 0) {
            mean = x;
            var = 0;
            n = 1;
            return;
        }
        double sd = Math.sqrt(var);
        double z = sd > 0 ? (x - mean) / sd : Double.NaN;
        boolean open = life.isOpen(AlertKind.GRAD_NORM_SPIKE, Alert.NO_LAYER);
        if (open) {
            if (!(z >= s.spikeResolveZ())) {
                life.resolve(AlertKind.GRAD_NORM_SPIKE, Alert.NO_LAYER, lastHigh).ifPresent(out::add);
            } else {
                lastHigh = step;
            }
        } else if (n >= s.warmupSteps() && z > s.gradZ()) {
            lastHigh = step;
            life.open(AlertKind.GRAD_NORM_SPIKE, Severity.WARNING, Alert.NO_LAYER, step, step, g, Math.exp(mean), z,
                    String.format(Locale.ROOT, "gradient norm %.4g is %.1f sd above its running mean %.4g (log)", g,
                            z, Math.exp(mean))).ifPresent(out::add);
        }
        double xc = sd > 0 && n >= 2 ? Math.max(mean - s.clipZ() * sd, Math.min(mean + s.clipZ() * sd, x)) : x;
        n++;
        double w = n <= s.warmupSteps() ? 1.0 / n : 1 - s.gradAlpha();
        double d = xc - mean;
        mean += w * d;
        var = (1 - w) * (var + w * d * d);
    }

    void write(DataOutput out) throws IOException {
        out.writeLong(n);
        out.writeDouble(mean);
        out.writeDouble(var);
        out.writeLong(lastHigh);
    }

    static GradNormRule read(DataInput in) throws IOException {
        GradNormRule r = new GradNormRule();
        r.n = in.readLong();
        r.mean = in.readDouble();
        r.var = in.readDouble();
        r.lastHigh = in.readLong();
        return r;
    }
}
