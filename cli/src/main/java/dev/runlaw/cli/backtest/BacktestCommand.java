package dev.runlaw.cli.backtest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.runlaw.math.data.RunCurve;
import dev.runlaw.math.data.RunCurveParser;
import dev.runlaw.math.data.RunFormatException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code runlaw backtest}: measures forecast accuracy and interval coverage on run-format CSV files. See
 * {@link BacktestOptions#USAGE} and docs/forecast.md. Exit codes: 0 ok, 2 usage or bad input ({@code file:line:
 * problem} on stderr), 3 a fit failed, 4 the report could not be written.
 */
public final class BacktestCommand {
    private BacktestCommand() {
    }

    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        if (code != 0) {
            System.exit(code);
        }
    }

    /** Runs the command; returns the exit code instead of exiting (for tests). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        BacktestOptions o;
        try {
            o = BacktestOptions.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("runlaw backtest: " + e.getMessage());
            err.println(BacktestOptions.USAGE);
            return 2;
        }
        BacktestReport report;
        try {
            List<RunCurve> fit = read(o.fit());
            List<RunCurve> ref = read(o.reference());
            List<RunCurve> pred = read(o.predict());
            report = Backtest.run(fit, ref, pred, o.observeFraction(), o.law());
        } catch (RunFormatException e) {
            err.println(e.getMessage());
            return 2;
        } catch (UncheckedIOException e) {
            err.println(e.getMessage());
            return 2;
        } catch (Backtest.FitFailedException e) {
            err.println("runlaw backtest: " + e.getMessage());
            return 3;
        } catch (IllegalArgumentException e) {
            err.println("runlaw backtest: " + e.getMessage());
            return 2;
        }
        out.print(report.summary());
        if (o.report() != null) {
            try {
                mapper().writeValue(o.report().toFile(), report);
                out.println("report written to " + o.report());
            } catch (IOException e) {
                err.println(o.report() + ": cannot write report: " + e.getMessage());
                return 4;
            }
        }
        return 0;
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
