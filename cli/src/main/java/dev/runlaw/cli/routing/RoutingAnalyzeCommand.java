package dev.runlaw.cli.routing;

import dev.runlaw.math.routing.RoutingAnalysis;
import dev.runlaw.math.routing.RoutingCounts;
import dev.runlaw.math.routing.RoutingReport;
import dev.runlaw.math.routing.RoutingSettings;
import dev.runlaw.producers.command.CommandFailure;
import dev.runlaw.producers.command.Commands;
import dev.runlaw.producers.command.HelpOption;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code runlaw routing analyze --devices N [--experts E] [--hidden-size H] [--bytes-per-element B]
 * [--report OUT.json] TRACE...}: reads Megatron-LM router traces and runlaw per-token routing JSONL
 * ({@link TraceFiles}), counts them through a {@link RoutingBackend}, analyses the counts with
 * {@link RoutingAnalysis} (the routing job's code), prints a summary and writes the report
 * {@link RoutingReport#toJson()} (docs/routing.md has every definition).
 *
 * <p>Exit codes as every command's ({@link Commands}): 0 ok; 2 usage error, including a malformed trace
 * ({@code runlaw routing analyze: file:line: problem}), an expert id not below {@code --experts}, or more devices
 * than experts; 1 a file that cannot be read or a report that cannot be written.
 */
@Command(name = "analyze", sortOptions = false,
        description = "Analyse routing traces (Megatron-LM router_trace_rank*.jsonl or runlaw routing JSONL): "
                + "expert load, temporal locality vs chance, top co-selected pair, next-layer hit, and contiguous, "
                + "EPLB-balanced and affinity-optimized placements (docs/routing.md).")
public final class RoutingAnalyzeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    HelpOption help;
    @Option(names = "--devices", required = true, paramLabel = "N", order = 1,
            description = "Devices the experts are placed on (E/N experts each; required).")
    int devices;
    @Option(names = "--experts", paramLabel = "E", order = 2,
            description = "Experts per layer (default: the largest expert id + 1).")
    int experts;
    @Option(names = "--hidden-size", paramLabel = "H", order = 3,
            description = "Hidden size for the traffic estimate (default ${DEFAULT-VALUE}).")
    int hiddenSize = RoutingSettings.DEFAULT_HIDDEN_SIZE;
    @Option(names = "--bytes-per-element", paramLabel = "B", order = 4,
            description = "Bytes per hidden-state element (default ${DEFAULT-VALUE}, bf16).")
    int bytesPerElement = RoutingSettings.DEFAULT_BYTES_PER_ELEMENT;
    @Option(names = "--report", paramLabel = "OUT.json", order = 5, description = "Also write the report as JSON.")
    Path report;
    @Parameters(paramLabel = "TRACE", arity = "1..*",
            description = "Trace files (format detected per file from its first line), or directories of *.jsonl.")
    List<Path> traces = new ArrayList<>();

    private final PrintStream out;
    private final RoutingBackend backend;

    RoutingAnalyzeCommand(PrintStream out, RoutingBackend backend) {
        this.out = out;
        this.backend = backend;
    }

    @Override
    public Integer call() throws Exception {
        RoutingSettings settings = settings();
        RoutingTraces read;
        try {
            read = TraceFiles.read(TraceFiles.expand(traces));
        } catch (TraceFiles.BadTraceException e) {
            throw Commands.usage(spec, e.getMessage());
        } catch (IOException e) {
            throw new CommandFailure("cannot read traces: " + e.getMessage(), e);
        }
        if (read.records() == 0) {
            throw Commands.usage(spec, "no routing records in " + traces);
        }
        RoutingCounts counts = backend.count(read, settings);
        RoutingReport r;
        try {
            r = RoutingAnalysis.analyze(counts, settings);
        } catch (IllegalArgumentException e) {
            throw Commands.usage(spec, e.getMessage());
        }
        print(r, read);
        if (report != null) {
            try {
                Files.writeString(report, r.toJson(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new CommandFailure(report + ": cannot write report: " + e.getMessage(), e);
            }
            out.println("report written to " + report);
        }
        return Commands.OK;
    }

    private RoutingSettings settings() {
        try {
            return new RoutingSettings(devices, experts, hiddenSize, bytesPerElement, 0);
        } catch (IllegalArgumentException e) {
            throw Commands.usage(spec, e.getMessage());
        }
    }

    private void print(RoutingReport r, RoutingTraces read) {
        out.printf(Locale.ROOT, "%d routes, %d tokens, %d sequences, %d layers (counted by the %s backend)%n",
                read.records(), r.tokens(), read.sequences(), r.layers().size(), backend.name());
        out.println("layer  experts  max/mean  locality  chance  top pair (routes)   next-layer hit");
        for (RoutingReport.Layer l : r.layers()) {
            RoutingReport.TopPair p = l.topPair();
            out.printf(Locale.ROOT, "%5d  %7d  %8s  %8s  %6s  %-18s  %s%n", l.layer(), l.experts(),
                    fmt(l.maxOverMean()), fmt(l.temporalLocality()), fmt(l.temporalLocalityChance()),
                    p == null ? "-" : p.e1() + "+" + p.e2() + " (" + p.count() + ")", fmt(l.nextLayerHit()));
        }
        out.println("placement    device max/mean  cross-device hops  bytes (tokens return home)");
        for (Map.Entry<String, RoutingReport.Placement> e : r.placements().entrySet()) {
            RoutingReport.Placement p = e.getValue();
            out.printf(Locale.ROOT, "%-11s  %15s  %17s  %d%n", e.getKey(), fmt(p.deviceLoadMaxOverMean()),
                    fmt(p.transitionCrossDevice()), p.bytes());
        }
    }

    private static String fmt(Double v) {
        return v == null ? "-" : String.format(Locale.ROOT, "%.4f", v);
    }
}
