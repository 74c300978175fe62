package dev.runlaw.cli.backtest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.runlaw.math.data.RunCurve;
import dev.runlaw.math.data.RunCurveParser;
import dev.runlaw.math.data.RunFormatException;
import dev.runlaw.producers.command.CommandFailure;
import dev.runlaw.producers.command.Commands;
import dev.runlaw.producers.command.HelpOption;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code runlaw backtest}: measures forecast accuracy and interval coverage on run-format CSV files (see
 * docs/forecast.md). Exit codes as every command's ({@link Commands}): 0 ok; 2 usage error, including input files
 * that are not readable run CSVs ({@code runlaw backtest: file:line: problem} and the usage on stderr); 1 a fit
 * failed or the report could not be written.
 */
@Command(name = "backtest", sortOptions = false,
        description = "Fit loss laws on finished runs and score their forecasts on others (docs/forecast.md).")
public final class BacktestCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    HelpOption help;
    @Option(names = "--fit", paramLabel = "FILE", arity = "1..*", order = 1,
            description = "Runs fitted jointly on all their points.")
    List<Path> fit = new ArrayList<>();
    @Option(names = "--reference", paramLabel = "FILE", arity = "1..*", order = 2,
            description = "Finished runs of the same family, fitted jointly too (they supply the annealing terms).")
    List<Path> reference = new ArrayList<>();
    @Option(names = "--predict", paramLabel = "FILE", arity = "1..*", order = 3,
            description = "Runs forecast under their own LR column and scored on their measured points (required).")
    List<Path> predict = new ArrayList<>();
    @Option(names = "--observe-fraction", paramLabel = "X", order = 4,
            description = "Fraction of each predicted run observed (fitted) before forecasting, in [0, 1) "
                    + "(default ${DEFAULT-VALUE}).")
    double observeFraction;
    @Option(names = "--law", paramLabel = "momentum|multipower|auto", order = 5,
            description = "The loss law (default ${DEFAULT-VALUE}).")
    String law = "auto";
    @Option(names = "--report", paramLabel = "OUT.json", order = 6, description = "Also write the report as JSON.")
    Path report;

    private final PrintStream out;
    private final PrintStream err;

    public BacktestCommand() {
        this(System.out, System.err);
    }

    public BacktestCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /** Runs {@code runlaw backtest ARGS}; returns the exit code instead of exiting (for tests). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        String[] full = new String[args.length + 1];
        full[0] = "backtest";
        System.arraycopy(args, 0, full, 1, args.length);
        return Commands.execute(Commands.root().addSubcommand(new CommandLine(new BacktestCommand(out, err))), full,
                out, err);
    }

    /** The options as one record; a usage error when they do not go together. */
    BacktestOptions options() {
        if (!(observeFraction >= 0 && observeFraction < 1)) {
            throw Commands.usage(spec, "--observe-fraction must be in [0, 1), got " + observeFraction);
        }
        if (!law.equals("momentum") && !law.equals("multipower") && !law.equals("auto")) {
            throw Commands.usage(spec, "--law must be momentum, multipower or auto, got " + law);
        }
        if (predict.isEmpty()) {
            throw Commands.usage(spec, "nothing to predict: give --predict FILE...");
        }
        if (fit.isEmpty() && reference.isEmpty() && observeFraction == 0) {
            throw Commands.usage(spec, "nothing to fit: give --fit/--reference files or --observe-fraction");
        }
        return new BacktestOptions(List.copyOf(fit), List.copyOf(reference), List.copyOf(predict), observeFraction,
                law, report);
    }

    @Override
    public Integer call() {
        BacktestOptions o = options();
        BacktestReport report;
        try {
            List<RunCurve> fitted = read(o.fit());
            List<RunCurve> ref = read(o.reference());
            List<RunCurve> pred = read(o.predict());
            report = Backtest.run(fitted, ref, pred, o.observeFraction(), o.law());
        } catch (RunFormatException | UncheckedIOException e) {
            throw Commands.usage(spec, e.getMessage());
        } catch (Backtest.FitFailedException e) {
            throw new CommandFailure(e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw Commands.usage(spec, e.getMessage());
        }
        out.print(report.summary());
        if (o.report() != null) {
            try {
                mapper().writeValue(o.report().toFile(), report);
                out.println("report written to " + o.report());
            } catch (IOException e) {
                throw new CommandFailure(o.report() + ": cannot write report: " + e.getMessage(), e);
            }
        }
        return Commands.OK;
    }

    public static ObjectMapper mapper() {
        return new ObjectMapper()
                .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .enable(SerializationFeature.INDENT_OUTPUT);
    }

    private static List<RunCurve> read(List<Path> files) {
        List<RunCurve> out = new ArrayList<>();
        for (Path p : files) {
            List<String> lines;
            try {
                lines = Files.readAllLines(p);
            } catch (IOException e) {
                throw new UncheckedIOException(p + ":0: cannot read: " + e, e);
            }
            String name = p.getFileName().toString();
            if (name.endsWith(".csv")) {
                name = name.substring(0, name.length() - 4);
            }
            out.add(RunCurveParser.parse(p.toString(), name, lines));
        }
        return out;
    }
}
