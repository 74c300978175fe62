package dev.runlaw.math.anomaly;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.List;
import java.util.Locale;

/**
 * STALL and SLOWDOWN from step durations, against the run's own baseline, O(1) state.
 *
 * <p>Baseline: {@code B} = EWMA of {@code ln step_ms} with weight {@code stepMsAlpha} (running mean over the first
 * {@code warmupSteps}), each value clipped to {@code B +- clipZ * s} with {@code s = sqrt(pi/2) * EWMA|dev|}, so
 * hangs and regular slow steps (SOAP's preconditioner every 10th step) barely move it; frozen while a SLOWDOWN is
 * open. {@code typical = exp(B)}.
 * <ul>
 *   <li><b>STALL</b> (WARNING): a step, or a silence since the last step ({@link RunDetectors#onSilence}), longer
 *       than {@code max(stallMinMs, stallFactor * typical)}. A replayed hang opens and resolves at its step; a live
 *       silence opens at {@code lastStep + 1} and resolves when the next step arrives.</li>
 *   <li><b>SLOWDOWN</b> (WARNING): {@code F} = EWMA of {@code ln step_ms} with weight {@code 2 / (slowdownWindow + 1)}
 *       (values capped at {@code B + ln stallFactor}: a hang is a STALL), raised when {@code F - B > ln slowdownRatio};
 *       its first step is where {@code F - B} last rose above a quarter of that; resolves when
 *       {@code F - B < ln(slowdownRatio) / 2}.</li>
 * </ul>
 */
final class StepTimeRules {
    private static final double SQRT_HALF_PI = Math.sqrt(Math.PI / 2);

    private long n;
    private double base;
    private double meanAbs;
    private double fast;
    private long riseStep = -1;
    private long lastSlow = -1;

    /** Typical step time in ms, NaN before the first step. */
    double typicalMs() {
        return n == 0 ? Double.NaN : Math.exp(base);
    }

    private double stallThreshold(AnomalySettings s) {
        return Math.max(s.stallMinMs(), s.stallFactor() * typicalMs());
    }

    void onStepMs(long step, double ms, AnomalySettings s, AlertLifecycle life, List<Alert> out) {
        double x = Math.log(ms);
        if (n == 0) {
            base = x;
            fast = x;
            n = 1;
            return;
        }
        boolean warm = n >= s.warmupSteps();
        if (life.isOpen(AlertKind.STALL, Alert.NO_LAYER)) {
            life.resolve(AlertKind.STALL, Alert.NO_LAYER, step).ifPresent(out::add);
        } else if (warm && ms > stallThreshold(s)) {
            double typical = typicalMs();
            life.open(AlertKind.STALL, Severity.WARNING, Alert.NO_LAYER, step, step, ms, typical, ms / typical,
                    String.format(Locale.ROOT, "step took %.0f ms, %.1fx the typical %.0f ms", ms, ms / typical,
                            typical)).ifPresent(a -> {
                                out.add(a);
                                life.resolve(AlertKind.STALL, Alert.NO_LAYER, step).ifPresent(out::add);
                            });
        }
        double cap = base + Math.log(s.stallFactor());
        double wFast = 2.0 / (s.slowdownWindow() + 1);
        fast += Math.max(wFast, 1.0 / (n + 1)) * (Math.min(x, cap) - fast);
        slowdown(step, ms, warm && n >= s.slowdownWindow(), s, life, out);
        if (!life.isOpen(AlertKind.SLOWDOWN, Alert.NO_LAYER)) {
            double scale = SQRT_HALF_PI * meanAbs;
            double dev = x - base;
            double dc = n >= 2 && scale > 0 ? Math.max(-s.clipZ() * scale, Math.min(s.clipZ() * scale, dev)) : dev;
            n++;
            double w = Math.max(s.stepMsAlpha(), 1.0 / n);
            base += w * dc;
            meanAbs += Math.max(s.stepMsAlpha(), 1.0 / (n - 1)) * (Math.abs(dc) - meanAbs);
        } else {
            n++;
        }
    }

    private void slowdown(long step, double ms, boolean warm, AnomalySettings s, AlertLifecycle life,
                          List<Alert> out) {
        double gap = fast - base;
        double limit = Math.log(s.slowdownRatio());
        if (gap <= limit / 4) {
            riseStep = -1;
        } else if (riseStep < 0) {
            riseStep = step;
        }
        if (life.isOpen(AlertKind.SLOWDOWN, Alert.NO_LAYER)) {
            if (gap < limit / 2) {
                life.resolve(AlertKind.SLOWDOWN, Alert.NO_LAYER, lastSlow).ifPresent(out::add);
            } else {
                lastSlow = step;
            }
        } else if (warm && gap > limit) {
            lastSlow = step;
            double typical = typicalMs();
            life.open(AlertKind.SLOWDOWN, Severity.WARNING, Alert.NO_LAYER, riseStep < 0 ? step : riseStep, step,
                    Math.exp(fast), typical, Math.exp(gap), String.format(Locale.ROOT,
                            "steps take %.0f ms on average, %.2fx the run's baseline %.0f ms", Math.exp(fast),
                            Math.exp(gap), typical)).ifPresent(out::add);
        }
    }

    void onSilence(long lastStep, long silentMs, AnomalySettings s, AlertLifecycle life, List<Alert> out) {
        if (n < s.warmupSteps() || !(silentMs > stallThreshold(s))) {
            return;
        }
        double typical = typicalMs();
        life.open(AlertKind.STALL, Severity.WARNING, Alert.NO_LAYER, lastStep + 1, lastStep, silentMs, typical,
                silentMs / typical, String.format(Locale.ROOT, "no step for %d ms after step %d, %.1fx the typical"
                        + " %.0f ms", silentMs, lastStep, silentMs / typical, typical)).ifPresent(out::add);
    }

    /** A step arrived after a live silence: closes an open STALL. */
    void onStepArrived(long step, AlertLifecycle life, List<Alert> out) {
        if (life.isOpen(AlertKind.STALL, Alert.NO_LAYER)) {
            life.resolve(AlertKind.STALL, Alert.NO_LAYER, step).ifPresent(out::add);
        }
    }

    void write(DataOutput out) throws IOException {
        out.writeLong(n);
        out.writeDouble(base);
        out.writeDouble(meanAbs);
        out.writeDouble(fast);
        out.writeLong(riseStep);
        out.writeLong(lastSlow);
    }

    static StepTimeRules read(DataInput in) throws IOException {
        StepTimeRules r = new StepTimeRules();
        r.n = in.readLong();
        r.base = in.readDouble();
        r.meanAbs = in.readDouble();
        r.fast = in.readDouble();
        r.riseStep = in.readLong();
        r.lastSlow = in.readLong();
        return r;
    }
}
