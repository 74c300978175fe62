package dev.runlaw.cli.cbs;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runlaw.math.cbs.NoiseScaleEstimate;
import dev.runlaw.math.cbs.NoiseScaleSettings;
import dev.runlaw.math.data.RunFormatException;
import dev.runlaw.producers.command.Commands;
import dev.runlaw.producers.command.HelpOption;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code runlaw cbs gns [--every K] [--report OUT.json] FILE...}: replays each run's squared gradient norms through
 * the live gradient-noise-scale estimator with its defaults ({@link GnsReplay}) and reports B_simple with its 90 %
 * band: {@code {"runs":[{"name","points":[{"step","b_simple","lo90","hi90","status"}]}]}}, a point every K steps
 * and at the last step; {@code b_simple} null where undefined, {@code hi90} null when unbounded. Exit codes as
 * every command's: 2 for a malformed file ({@code file:line: problem}), 1 when the report cannot be written.
 */
@Command(name = "gns", sortOptions = false,
        description = "Replay CSVs (step,grad_sq_norm_small,batch_small,grad_sq_norm_big,batch_big) through the "
                + "gradient noise scale estimator: B_simple with its 90 % band.")
public final class GnsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    HelpOption help;
    @Option(names = "--every", paramLabel = "K", order = 1, defaultValue = "25",
            description = "A point every K steps, and at the last step (default: ${DEFAULT-VALUE}).")
    long every;
    @Option(names = "--report", paramLabel = "OUT.json", order = 2, description = "Also write the report as JSON.")
    Path report;
    @Parameters(paramLabel = "FILE", arity = "1..*", description = "CSV files, one run each (name: file name).")
    List<Path> files = new ArrayList<>();

    private final PrintStream out;

    GnsCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() {
        if (every < 1) {
            throw Commands.usage(spec, "--every must be >= 1, got " + every);
        }
        List<GnsReplay.Run> runs = new ArrayList<>();
        for (Path p : files) {
            List<String> lines;
            try {
                lines = Files.readAllLines(p);
            } catch (IOException e) {
                throw Commands.usage(spec, p + ":0: cannot read: " + e.getMessage());
            }
            try {
                runs.add(GnsReplay.replay(runName(p), p.toString(), lines, every, NoiseScaleSettings.defaults()));
            } catch (RunFormatException e) {
                throw Commands.usage(spec, e.getMessage());
            }
        }
        for (GnsReplay.Run r : runs) {
            NoiseScaleEstimate last = r.points().get(r.points().size() - 1);
            out.printf(Locale.ROOT, "%s: %d steps; at step %d B_simple %.4g sequences (90 %%: %.4g .. %.4g) %s%n",
                    r.name(), r.rows(), last.step(), last.bSimple(), last.lo90(), last.hi90(), last.status());
        }
        if (report != null) {
            ReportJson.write(report, reportJson(runs));
            out.println("report written to " + report);
        }
        return Commands.OK;
    }

    static ObjectNode reportJson(List<GnsReplay.Run> runs) {
        ObjectNode root = ReportJson.MAPPER.createObjectNode();
        ArrayNode array = root.putArray("runs");
        for (GnsReplay.Run r : runs) {
            ObjectNode run = array.addObject();
            run.put("name", r.name());
            ArrayNode points = run.putArray("points");
            for (NoiseScaleEstimate e : r.points()) {
                ObjectNode p = points.addObject();
                p.put("step", e.step());
                ReportJson.put(p, "b_simple", e.bSimple());
                ReportJson.put(p, "lo90", e.lo90());
                ReportJson.put(p, "hi90", e.hi90());
                p.put("status", e.status().name());
            }
        }
        return root;
    }

    /** The file name without {@code .csv}. */
    static String runName(Path p) {
        String name = p.getFileName().toString();
        return name.toLowerCase(Locale.ROOT).endsWith(".csv") ? name.substring(0, name.length() - 4) : name;
    }
}
