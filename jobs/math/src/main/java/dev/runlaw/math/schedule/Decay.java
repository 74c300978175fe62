package dev.runlaw.math.schedule;

/**
 * Shape of a decay from {@code from} to {@code to} over {@code n} steps, evaluated at fraction {@code x = i / n}
 * (0 at the first step of the decay, 1 at its end).
 */
public enum Decay {
    /** {@code from + (to - from) * x}. */
    LINEAR,
    /** Geometric interpolation {@code from^(1-x) * to^x} (the WSD "exponential" decay); {@code to} must be &gt; 0. */
    EXPONENTIAL,
    /** {@code to + (from - to) * (1 + cos(pi x)) / 2}. */
    COSINE;

    /** LR at fraction {@code x} in [0, 1] of a decay from {@code from} to {@code to}. */
    public double at(double from, double to, double x) {
        return switch (this) {
            case LINEAR -> from + (to - from) * x;
            case EXPONENTIAL -> Math.pow(from, 1 - x) * Math.pow(to, x);
            case COSINE -> to + (from - to) * 0.5 * (1 + Math.cos(Math.PI * x));
        };
    }
}
