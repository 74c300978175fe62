package dev.runlaw.cli.detect;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runlaw.math.anomaly.Alert;
import dev.runlaw.math.anomaly.AnomalySettings;
import dev.runlaw.math.anomaly.DetectReplay;
import dev.runlaw.math.anomaly.MoeReplay;
import dev.runlaw.math.anomaly.StepTable;
import dev.runlaw.math.data.RunFormatException;
import dev.runlaw.producers.command.CommandFailure;
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
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code runlaw detect [--report OUT.json] FILE...}: replays each run CSV ({@code step,lr,loss} required,
 * {@code grad_norm} and {@code step_ms} optional) step by step through the run-level anomaly detectors with the
 * live job's defaults ({@link DetectReplay}: the expected loss from the forecast code refitted on the live cadence,
 * never from later steps), prints the alerts and optionally writes the report
 * {@code {"runs":[{"name","steps","alerts":[{"kind","severity","first_step","detected_step","last_step","value",
 * "expected","score"}]}]}} ({@code last_step} null while open, non-finite numbers null). With
 * {@code --expert-load FILE} (CSV {@code step,layer,tokens_per_expert[,dropped_tokens]}, counts space-separated) the
 * MoE detectors replay it the same way ({@link MoeReplay}, default {@link AnomalySettings}); their alerts carry
 * {@code "layer"} and join the run when one FILE is given, else form their own run named after the load file.
 * Exit codes as every
 * command's ({@link Commands}): 0 ok; 2 usage error, including an unreadable or malformed file
 * ({@code runlaw detect: file:line: problem}); 1 the report could not be written.
 */
@Command(name = "detect", sortOptions = false,
        description = "Replay run CSVs (step,lr,loss[,grad_norm][,step_ms]) through the anomaly detectors.")
public final class DetectCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    HelpOption help;
    @Option(names = "--report", paramLabel = "OUT.json", order = 1, description = "Also write the report as JSON.")
    Path report;
    @Option(names = "--expert-load", paramLabel = "FILE", order = 2,
            description = "Also replay an expert-load CSV (step,layer,tokens_per_expert) through the MoE detectors.")
    Path expertLoad;
    @Parameters(paramLabel = "FILE", arity = "1..*", description = "Run CSV files, one run each.")
    List<Path> files = new ArrayList<>();

    private final PrintStream out;

    public DetectCommand() {
        this(System.out);
    }

    public DetectCommand(PrintStream out) {
        this.out = out;
    }

    /** Runs {@code runlaw detect ARGS}; returns the exit code instead of exiting (for tests). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        String[] full = new String[args.length + 1];
        full[0] = "detect";
        System.arraycopy(args, 0, full, 1, args.length);
        return Commands.execute(Commands.root().addSubcommand(new CommandLine(new DetectCommand(out))), full, out,
                err);
    }

    @Override
    public Integer call() {
        List<DetectReplay.Result> results = new ArrayList<>();
        DetectReplay replay = DetectReplay.create();
        for (Path p : files) {
            StepTable table = read(p);
            results.add(replay.replay(runName(p), table));
        }
        if (expertLoad != null) {
            MoeReplay.Result moe = readExpertLoad(expertLoad);
            if (results.size() == 1) {
                DetectReplay.Result run = results.get(0);
                List<Alert> events = new ArrayList<>(run.events());
                events.addAll(moe.events());
                results.set(0, new DetectReplay.Result(run.name(), run.steps(), events, run.forecasts()));
            } else {
                results.add(new DetectReplay.Result(runName(expertLoad), moe.steps(), moe.events(), 0));
            }
        }
        for (DetectReplay.Result r : results) {
            List<Alert> alerts = r.alerts();
            out.printf(Locale.ROOT, "%s: %d steps, %d alert(s)%n", r.name(), r.steps(), alerts.size());
            for (Alert a : alerts) {
                out.printf(Locale.ROOT, "  %-15s %-8s steps %d-%s (detected at %d): %s%n", a.kind(), a.severity(),
                        a.firstStep(), a.isOpen() ? "open" : Long.toString(a.lastStep()), a.detectedStep(),
                        a.message());
            }
        }
        if (report != null) {
            try {
                new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(report.toFile(),
                        reportJson(results));
                out.println("report written to " + report);
            } catch (IOException e) {
                throw new CommandFailure(report + ": cannot write report: " + e.getMessage(), e);
            }
        }
        return Commands.OK;
    }

    private StepTable read(Path p) {
        List<String> lines;
        try {
            lines = Files.readAllLines(p);
        } catch (IOException e) {
            throw Commands.usage(spec, p + ":0: cannot read: " + e);
        }
        try {
            return StepTable.parse(p.toString(), lines);
        } catch (RunFormatException e) {
            throw Commands.usage(spec, e.getMessage());
        }
    }

    private MoeReplay.Result readExpertLoad(Path p) {
        List<String> lines;
        try {
            lines = Files.readAllLines(p);
        } catch (IOException e) {
            throw Commands.usage(spec, p + ":0: cannot read: " + e);
        }
        try {
            return MoeReplay.replay(p.toString(), lines, AnomalySettings.defaults());
        } catch (RunFormatException e) {
            throw Commands.usage(spec, e.getMessage());
        }
    }

    /** The file name without {@code .csv}. */
    static String runName(Path p) {
        String name = p.getFileName().toString();
        return name.endsWith(".csv") ? name.substring(0, name.length() - 4) : name;
    }

    /** The report as the issue fixes it. */
    static ObjectNode reportJson(List<DetectReplay.Result> results) {
        ObjectMapper m = new ObjectMapper();
        ObjectNode root = m.createObjectNode();
        ArrayNode runs = root.putArray("runs");
        for (DetectReplay.Result r : results) {
            ObjectNode run = runs.addObject();
            run.put("name", r.name());
            run.put("steps", r.steps());
            ArrayNode alerts = run.putArray("alerts");
            for (Alert a : r.alerts()) {
                ObjectNode o = alerts.addObject();
                o.put("kind", a.kind().name());
                o.put("severity", a.severity().name());
                o.put("first_step", a.firstStep());
                o.put("detected_step", a.detectedStep());
                if (a.layer() != Alert.NO_LAYER) {
                    o.put("layer", a.layer());
                }
                if (a.isOpen()) {
                    o.putNull("last_step");
                } else {
                    o.put("last_step", a.lastStep());
                }
                number(o, "value", a.value());
                number(o, "expected", a.expected());
                number(o, "score", a.score());
            }
        }
        return root;
    }

    private static void number(ObjectNode o, String field, double v) {
        if (Double.isFinite(v)) {
            o.put(field, v);
        } else {
            o.putNull(field);
        }
    }
}
