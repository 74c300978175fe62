package dev.runlaw.cli.bench.detect;

import dev.runlaw.math.anomaly.AlertKind;

/** The anomalies the injector writes, and the runlaw alert kind that must flag each. */
public enum InjectedKind {
    /** Loss ×[1.15, 1.3) for 1-3 steps. */
    SPIKE_SMALL(AlertKind.LOSS_SPIKE, false),
    /** Loss ×[1.3, 2.5] for 1-3 steps. */
    SPIKE_LARGE(AlertKind.LOSS_SPIKE, false),
    /** Loss ×2^((t - t0)/T) from t0, T in [50, 400] steps: doubled within T steps, growing on. */
    DIVERGENCE(AlertKind.DIVERGENCE, false),
    /** Loss held at its smoothed value of t0 for 2,000-3,000 steps. */
    PLATEAU(AlertKind.PLATEAU, false),
    /** One loss NaN. */
    NAN(AlertKind.NON_FINITE, false),
    /** One step's duration ×[20, 100]. */
    HANG(AlertKind.STALL, true),
    /** Step durations ×[1.5, 3] for 300 steps. */
    SLOWDOWN(AlertKind.SLOWDOWN, true);

    private final AlertKind alert;
    private final boolean timing;

    InjectedKind(AlertKind alert, boolean timing) {
        this.alert = alert;
        this.timing = timing;
    }

    /** The alert kind that counts as detecting it. */
    public AlertKind alert() {
        return alert;
    }

    /** True for anomalies of step time (need a {@code step_ms} column; the loss baselines cannot see them). */
    public boolean timing() {
        return timing;
    }
}
