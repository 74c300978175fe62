package dev.runlaw.producers;

/**
 * Anomalies a {@link MoeRunSimulator} run can include, so the alert job has something to find: a loss spike and a
 * router collapse. Off by default ({@link #none()}): the simulator's other users see the plain run.
 *
 * <p>The spike multiplies the reported training loss of one step (the law, the gradients and everything else stay
 * as they were). During the collapse, the router of one layer sends {@value #COLLAPSE_SHARE} of its assignments to
 * its first {@value #COLLAPSE_EXPERTS} experts (or all of them, if fewer), split evenly; capacity limits then drop
 * most of those, as they would in a real run, so the layer also shows a jump in dropped tokens.
 *
 * @param spikeStep     step whose loss is multiplied, -1 for none
 * @param spikeFactor   the factor (> 1)
 * @param collapseLayer layer whose router collapses, -1 for none
 * @param collapseFrom  first collapsed step
 * @param collapseTo    last collapsed step (inclusive)
 */
public record SimulatedIncidents(int spikeStep, double spikeFactor, int collapseLayer, int collapseFrom,
                                 int collapseTo) {
    /** Share of a collapsed layer's assignments that its few favoured experts get. */
    public static final double COLLAPSE_SHARE = 0.95;
    /** How many experts a collapsed router favours. */
    public static final int COLLAPSE_EXPERTS = 4;

    /** Checks the ranges. */
    public SimulatedIncidents {
        if (spikeStep >= 0 && !(spikeFactor > 1)) {
            throw new IllegalArgumentException("spikeFactor must be > 1, got " + spikeFactor);
        }
        if (collapseLayer >= 0 && (collapseFrom < 0 || collapseTo < collapseFrom)) {
            throw new IllegalArgumentException("collapse steps must be 0 <= from <= to, got " + collapseFrom + ".."
                    + collapseTo);
        }
    }

    /** No incident. */
    public static SimulatedIncidents none() {
        return new SimulatedIncidents(-1, 0, -1, 0, 0);
    }

    /**
     * The demo's incidents for a run of {@code steps} steps and {@code layers} layers: the last layer's router
     * collapses from 55 % to 75 % of the run, and the loss spikes x2 at 85 % (both after the detectors' warm-up of
     * a 120-step run, and the collapse ends early enough for its alert to resolve before the run ends).
     */
    public static SimulatedIncidents demo(int steps, int layers) {
        return new SimulatedIncidents((int) (0.85 * steps), 2.0, layers - 1, (int) (0.55 * steps),
                (int) (0.75 * steps));
    }

    /** The loss reported at {@code step} for a simulated {@code loss}. */
    double loss(int step, double loss) {
        return step == spikeStep ? loss * spikeFactor : loss;
    }

    /** Whether {@code layer}'s router is collapsed at {@code step}. */
    boolean collapsed(int layer, int step) {
        return layer == collapseLayer && step >= collapseFrom && step <= collapseTo;
    }
}
