package dev.runlaw.math.routing;

/**
 * An EPLB-style placement with replicated hot experts ({@link Placements#replicated}): E + R physical slots.
 *
 * @param slotExpert the logical expert each physical slot serves (slots 0..E-1 are experts 0..E-1)
 * @param slotDevice the device of each physical slot
 * @param replicas   replicas per logical expert (>= 1; sum = E + R); each replica takes load / replicas
 */
public record ReplicatedPlacement(int[] slotExpert, int[] slotDevice, int[] replicas) {
}
