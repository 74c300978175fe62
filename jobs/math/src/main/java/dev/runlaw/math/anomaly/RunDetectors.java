package dev.runlaw.math.anomaly;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The run-level detectors of one run: NON_FINITE, LOSS_SPIKE, DIVERGENCE, PLATEAU, GRAD_NORM_SPIKE, STALL and
 * SLOWDOWN, behind one {@link AlertLifecycle} (de-duplication and cool-down per kind). Each step is judged only
 * from the steps before it (no look-ahead); state is O(1) per run.
 *
 * <ul>
 *   <li><b>NON_FINITE</b> (CRITICAL, at once): an infinite loss or gradient norm. In {@link StepInput} NaN
 *       means "not logged at this step", so a trainer's NaN loss or gradient norm must be passed as
 *       {@link Double#POSITIVE_INFINITY}. Resolves at the next finite loss. A non-finite step updates no other
 *       statistic.</li>
 *   <li>LOSS_SPIKE, DIVERGENCE, PLATEAU: see {@link LossRules} (with the baseline of {@link LossBaseline}).</li>
 *   <li>GRAD_NORM_SPIKE: see {@link GradNormRule}.</li>
 *   <li>STALL, SLOWDOWN: see {@link StepTimeRules}; {@link #onSilence} is the live processing-time path.</li>
 * </ul>
 * Losses that are zero or negative are ignored by the log-based rules (they are not a training loss this library
 * can score). Not thread-safe: one instance per run, owned by one keyed operator.
 */
public final class RunDetectors {
    /** First byte of {@link #toBytes()}. */
    public static final byte FORMAT_VERSION = 2;

    private final AnomalySettings settings;
    private final AlertLifecycle life;
    private final LossRules loss;
    private final GradNormRule grad;
    private final StepTimeRules time;
    private long lastStep = Long.MIN_VALUE;
    private long lastNonFinite = -1;

    private RunDetectors(AnomalySettings settings, AlertLifecycle life, LossRules loss, GradNormRule grad,
                         StepTimeRules time) {
        this.settings = settings;
        this.life = life;
        this.loss = loss;
        this.grad = grad;
        this.time = time;
    }

    /** Fresh detectors for a new run. */
    public static RunDetectors create(AnomalySettings settings) {
        Objects.requireNonNull(settings, "settings");
        return new RunDetectors(settings, new AlertLifecycle(settings.cooldownSteps()), new LossRules(),
                new GradNormRule(), new StepTimeRules());
    }

    /**
     * Folds one step in. Steps must increase; a step at or before the last one is ignored (returns no alert).
     *
     * @return the lifecycle events this step caused (OPEN and RESOLVED), in order; empty most of the time
     */
    public List<Alert> onStep(StepInput in) {
        List<Alert> out = new ArrayList<>(2);
        if (lastStep != Long.MIN_VALUE && in.step() <= lastStep) {
            return out;
        }
        lastStep = in.step();
        long step = in.step();
        boolean badLoss = Double.isInfinite(in.loss());
        boolean badGrad = Double.isInfinite(in.gradNorm());
        if (badLoss || badGrad) {
            lastNonFinite = step;
            life.open(AlertKind.NON_FINITE, Severity.CRITICAL, Alert.NO_LAYER, step, step,
                    badLoss ? in.loss() : in.gradNorm(), Double.NaN, Double.NaN, String.format(Locale.ROOT,
                            "%s is %s at step %d", badLoss ? "loss" : "gradient norm",
                            badLoss ? in.loss() : in.gradNorm(), step)).ifPresent(out::add);
        } else if (in.loss() > 0 && Double.isFinite(in.loss())) {
            if (life.isOpen(AlertKind.NON_FINITE, Alert.NO_LAYER)) {
                life.resolve(AlertKind.NON_FINITE, Alert.NO_LAYER, lastNonFinite).ifPresent(out::add);
            }
            loss.onLoss(step, in.loss(), in.expectedLoss(), in.lr(), settings, life, out);
        }
        if (!badGrad && in.gradNorm() > 0 && Double.isFinite(in.gradNorm())) {
            grad.onGradNorm(step, in.gradNorm(), settings, life, out);
        }
        if (in.stepMs() > 0 && Double.isFinite(in.stepMs())) {
            time.onStepMs(step, in.stepMs(), settings, life, out);
        } else {
            time.onStepArrived(step, life, out);
        }
        return out;
    }

    /**
     * The live STALL path: called from a processing-time timer when no step arrived for {@code silentMs} after
     * {@code lastStep}. Raises STALL when the silence exceeds {@code max(stallMinMs, stallFactor * typical step)};
     * the next step resolves it.
     */
    public List<Alert> onSilence(long lastStep, long silentMs) {
        List<Alert> out = new ArrayList<>(1);
        time.onSilence(lastStep, silentMs, settings, life, out);
        return out;
    }

    /**
     * The run has ended: resolves every alert still open at the last step seen ({@link Alert#lastStep()} = that step,
     * or the alert's first step if later, as for a STALL raised after it). Call once, when the run finishes (live:
     * its run-finished record; replay: the end of the file); feeding more steps afterwards starts afresh per rule.
     *
     * @return the RESOLVED events, empty when nothing was open or no step was seen
     */
    public List<Alert> closeAll() {
        List<Alert> out = new ArrayList<>(2);
        if (lastStep != Long.MIN_VALUE) {
            life.closeAll(lastStep, out);
        }
        return out;
    }

    /** The last step folded in, or {@link Long#MIN_VALUE} before the first. */
    public long lastStep() {
        return lastStep;
    }

    /** The run's typical step time in ms (NaN before two timed steps): the live job arms its timer from it. */
    public double typicalStepMs() {
        return time.typicalMs();
    }

    /** The settings these detectors run with. */
    public AnomalySettings settings() {
        return settings;
    }

    /** State as bytes: {@link #FORMAT_VERSION} first, settings not included. */
    public byte[] toBytes() {
        return StateBytes.write(FORMAT_VERSION, out -> {
            out.writeLong(lastStep);
            out.writeLong(lastNonFinite);
            life.write(out);
            loss.write(out);
            grad.write(out);
            time.write(out);
        });
    }

    /**
     * Restores what {@link #toBytes()} wrote.
     *
     * @throws IllegalArgumentException on an unknown version or truncated bytes
     */
    public static RunDetectors fromBytes(byte[] bytes, AnomalySettings settings) {
        Objects.requireNonNull(settings, "settings");
        return StateBytes.read(bytes, FORMAT_VERSION, "RunDetectors", in -> {
            long last = in.readLong();
            long lastBad = in.readLong();
            RunDetectors d = new RunDetectors(settings, AlertLifecycle.read(in), LossRules.read(in),
                    GradNormRule.read(in), StepTimeRules.read(in));
            d.lastStep = last;
            d.lastNonFinite = lastBad;
            return d;
        });
    }
}
