package dev.runlaw.cli.routing;

import dev.runlaw.math.routing.RoutingCounts;
import dev.runlaw.math.routing.RoutingSettings;

/**
 * Where {@code runlaw routing analyze} counts the traces: the seam between reading files and the analysis. Every
 * backend returns the same exact {@link RoutingCounts} ({@code addSequence} per sequence, partial counts merged), so
 * the report, made by {@link dev.runlaw.math.routing.RoutingAnalysis} from those counts, is the same whichever runs.
 * {@link LocalRoutingBackend} counts in this JVM; the bounded Flink routing job plugs in here to count on the
 * embedded MiniCluster or a cluster.
 */
public interface RoutingBackend {
    /** A short name for messages ("local", "flink"). */
    String name();

    /** The counts of every sequence in {@code traces}, homed on {@code settings.devices()} devices. */
    RoutingCounts count(RoutingTraces traces, RoutingSettings settings) throws Exception;
}
