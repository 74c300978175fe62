package dev.runlaw.cli.routing;

import dev.runlaw.math.routing.RoutingCounts;
import dev.runlaw.math.routing.RoutingSettings;

/** Counts in this JVM, one sequence at a time, on one thread. */
public final class LocalRoutingBackend implements RoutingBackend {
    @Override
    public String name() {
        return "local";
    }

    @Override
    public RoutingCounts count(RoutingTraces traces, RoutingSettings settings) {
        RoutingCounts counts = RoutingCounts.forSettings(settings);
        traces.forEachSequence(counts::addSequence);
        return counts;
    }
}
