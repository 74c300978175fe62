package dev.runlaw.math.anomaly;

import dev.runlaw.math.forecast.Forecast;
import dev.runlaw.math.live.ForecastSettings;
import dev.runlaw.math.live.LiveForecast;
import dev.runlaw.math.live.RunTracker;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Replays one run step by step through {@link RunDetectors}, as the live job sees it: the expected loss at step
 * {@code t} comes from the last forecast a {@link RunTracker} made from the steps before {@code t} (refitted after
 * every {@code refitPoints} new measured losses, the forecast job's default cadence of 16), read off its forecast
 * curve by log-linear interpolation — never from later steps. The tracker knows the run's planned last step (the
 * file's last step: a trainer plans its length) but not its LR schedule ahead (the live path forecasts with the
 * last observed LR held; only the next {@code refitPoints} steps of that forecast are used).
 *
 * <p>{@code refitPoints = 0} replays without a law (the detectors' robust running baseline only).
 */
public final class DetectReplay {
    /** What one run's replay produced. */
    public record Result(String name, int steps, List<Alert> events, int forecasts) {
        public Result {
            events = List.copyOf(events);
        }

        /** The alerts, one per identity: the RESOLVED event when there is one, else the OPEN one. */
        public List<Alert> alerts() {
            List<Alert> alerts = new ArrayList<>();
            for (Alert e : events) {
                if (e.state() == AlertState.OPEN) {
                    alerts.add(e);
                } else {
                    for (int i = alerts.size() - 1; i >= 0; i--) {
                        Alert a = alerts.get(i);
                        if (a.kind() == e.kind() && a.layer() == e.layer() && a.firstStep() == e.firstStep()
                                && a.isOpen()) {
                            alerts.set(i, e);
                            break;
                        }
                    }
                }
            }
            return alerts;
        }
    }

    private final AnomalySettings settings;
    private final ForecastSettings forecastSettings;
    private final int refitPoints;

    private DetectReplay(AnomalySettings settings, ForecastSettings forecastSettings, int refitPoints) {
        this.settings = settings;
        this.forecastSettings = forecastSettings;
        this.refitPoints = refitPoints;
    }

    /** Default detectors and the forecast job's defaults (law auto, refit every 16 measured losses). */
    public static DetectReplay create() {
        return new DetectReplay(AnomalySettings.defaults(), ForecastSettings.defaults(), 16);
    }

    /** A copy with other detector settings. */
    public DetectReplay withSettings(AnomalySettings s) {
        return new DetectReplay(Objects.requireNonNull(s), forecastSettings, refitPoints);
    }

    /** A copy with another forecast law and refit cadence; {@code refitPoints = 0} disables the law. */
    public DetectReplay withForecast(String law, int newRefitPoints) {
        if (newRefitPoints < 0) {
            throw new IllegalArgumentException("refitPoints must be >= 0, got " + newRefitPoints);
        }
        return new DetectReplay(settings, forecastSettings.withLaw(law), newRefitPoints);
    }

    /** Replays {@code table} under the run name {@code name}. */
    public Result replay(String name, StepTable table) {
        RunDetectors det = RunDetectors.create(settings);
        List<Alert> events = new ArrayList<>();
        int n = table.size();
        RunTracker tracker = null;
        if (refitPoints > 0 && n > 0) {
            tracker = RunTracker.create(name, "");
            tracker.plan(null, null, table.steps()[n - 1]);
        }
        LiveForecast last = null;
        int sinceFit = 0;
        int forecasts = 0;
        long wall = 0;
        for (int i = 0; i < n; i++) {
            long step = table.steps()[i];
            double loss = table.loss()[i];
            double expected = last == null ? Double.NaN : expectedAt(last, step);
            events.addAll(det.onStep(new StepInput(step, loss, table.gradNorm()[i], table.stepMs()[i], expected,
                    table.lr()[i])));
            if (tracker == null) {
                continue;
            }
            double ms = table.stepMs()[i];
            wall += Double.isFinite(ms) ? (long) ms : 0;
            if (Double.isInfinite(loss)) {
                tracker.noteNonFiniteLoss(step, wall);
                continue;
            }
            tracker.observe(step, table.lr()[i], loss > 0 ? loss : Double.NaN, wall);
            if (loss > 0 && ++sinceFit >= refitPoints) {
                sinceFit = 0;
                forecasts++;
                try {
                    last = tracker.forecast(List.of(), forecastSettings);
                } catch (RuntimeException e) {
                    // The live job keeps its previous forecast when a refit fails; so does the replay.
                }
            }
        }
        // The file is the whole run: what is still open ends with it (as the live job does on run-finished).
        events.addAll(det.closeAll());
        return new Result(name, n, events, forecasts);
    }

    /**
     * The forecast's loss at {@code step}: log-linear between the curve points around it, NaN when the forecast
     * has no usable curve there (no fit yet, or the step past the curve).
     */
    static double expectedAt(LiveForecast f, long step) {
        List<Forecast> curve = f.curve();
        Forecast prev = null;
        for (Forecast p : curve) {
            if (!p.ok() || !(p.point() > 0)) {
                return Double.NaN;
            }
            if (p.step() == step) {
                return p.point();
            }
            if (p.step() > step) {
                if (prev == null) {
                    return p.step() - step <= 1 ? p.point() : Double.NaN;
                }
                double w = (double) (step - prev.step()) / (p.step() - prev.step());
                return Math.exp((1 - w) * Math.log(prev.point()) + w * Math.log(p.point()));
            }
            prev = p;
        }
        return Double.NaN;
    }
}
