package dev.runlaw.cli.bench.detect;

/**
 * One anomaly written into a copy of a real run, with the steps an alert must fall in to count.
 *
 * @param kind      what was injected
 * @param factor    its size: the spike's or slowdown's multiplier, the hang's multiple of the step time, the
 *                  divergence's doubling time in steps, the plateau's length in steps; NaN for NaN
 * @param start     first affected step
 * @param end       last affected step
 * @param windowEnd last step at which a detection still counts ({@code end} plus 10 logged losses of grace)
 */
public record Injection(InjectedKind kind, double factor, long start, long end, long windowEnd) {

    /** True when {@code step} lies in {@code [start, windowEnd]}. */
    public boolean covers(long step) {
        return step >= start && step <= windowEnd;
    }
}
