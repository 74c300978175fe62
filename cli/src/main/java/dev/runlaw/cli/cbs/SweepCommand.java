package dev.runlaw.cli.cbs;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runlaw.math.cbs.PowerLawFit;
import dev.runlaw.math.data.RunFormatException;
import dev.runlaw.producers.command.Commands;
import dev.runlaw.producers.command.HelpOption;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * {@code runlaw cbs sweep [--base-batch 256] [--overhead 0.2] [--seq-len L] [--predict-tokens D...]
 * [--report OUT.json] FILE}: fits the steps-versus-batch law per group of a sweep ({@link SweepTable},
 * {@link SweepAnalysis}) and reports {@code {"groups":[{"group","s_min","b_noise","b_noise_lo90","b_noise_hi90",
 * "cbs","tokens_to_target","r2"}],"scaling":{"k","beta","beta_lo90","beta_hi90"},"predictions":[{"tokens",
 * "b_noise","cbs","lo90","hi90"}]}}: {@code tokens_to_target} only with {@code --seq-len}; {@code scaling}
 * (B_noise = k·D^β) null without ≥ 3 groups with tokens; predicted CBS = (1+x)·B0 + x·B_noise, and
 * {@code lo90}/{@code hi90} bound it (the 90 % prediction interval of B_noise mapped the same way).
 * Exit codes: 2 for a malformed file ({@code file:line: problem}) or options, 1 when the report cannot be written.
 */
@Command(name = "sweep", sortOptions = false,
        description = "Fit steps-versus-batch laws S(B) = S_min(1 + B_noise/B) per group of a sweep CSV "
                + "(group,target_loss,batch_size,steps): B_noise, CBS, and their scaling with the tokens to target.")
public final class SweepCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    HelpOption help;
    @Option(names = "--base-batch", paramLabel = "B0", order = 1, defaultValue = "256",
            description = "Base batch B0 of CBS = (1+x)·B0 + x·B_noise and of the tokens to target, sequences "
                    + "(default: ${DEFAULT-VALUE}).")
    double baseBatch;
    @Option(names = "--overhead", paramLabel = "X", order = 2, defaultValue = "0.2",
            description = "Extra steps over linear scaling that define the CBS (default: ${DEFAULT-VALUE}).")
    double overhead;
    @Option(names = "--seq-len", paramLabel = "L", order = 3,
            description = "Tokens per sequence: gives tokens_to_target = S(B0)·B0·L and the scaling laws.")
    Long seqLen;
    @Option(names = "--predict-tokens", paramLabel = "D", order = 4, arity = "1..*",
            description = "Predict B_noise and CBS at these tokens to target (needs --seq-len and >= 3 groups).")
    double[] predictTokens = new double[0];
    @Option(names = "--report", paramLabel = "OUT.json", order = 5, description = "Also write the report as JSON.")
    Path report;
    @Parameters(paramLabel = "FILE", arity = "1", description = "The sweep CSV.")
    Path file;

    private final PrintStream out;

    SweepCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() {
        if (!(baseBatch > 0) || Double.isInfinite(baseBatch)) {
            throw Commands.usage(spec, "--base-batch must be > 0, got " + baseBatch);
        }
        if (!(overhead > 0) || Double.isInfinite(overhead)) {
            throw Commands.usage(spec, "--overhead must be > 0, got " + overhead);
        }
        if (seqLen != null && seqLen < 1) {
            throw Commands.usage(spec, "--seq-len must be >= 1, got " + seqLen);
        }
        for (double d : predictTokens) {
            if (!(d > 0) || Double.isInfinite(d)) {
                throw Commands.usage(spec, "--predict-tokens must be > 0, got " + d);
            }
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw Commands.usage(spec, file + ":0: cannot read: " + e.getMessage());
        }
        SweepAnalysis analysis;
        try {
            SweepTable table = SweepTable.parse(file.toString(), lines);
            analysis = SweepAnalysis.of(table, baseBatch, overhead, seqLen == null ? 0 : seqLen, predictTokens);
        } catch (RunFormatException e) {
            throw Commands.usage(spec, e.getMessage());
        } catch (IllegalArgumentException e) {
            throw Commands.usage(spec, file + ": " + e.getMessage());
        }
        print(analysis);
        if (report != null) {
            ReportJson.write(report, reportJson(analysis));
            out.println("report written to " + report);
        }
        return Commands.OK;
    }

    private void print(SweepAnalysis a) {
        out.printf(Locale.ROOT, "%-16s %10s %10s %22s %9s %12s %7s%n", "group", "S_min", "B_noise", "B_noise 90 %",
                "CBS", "tokens", "R²");
        for (SweepAnalysis.GroupResult g : a.groups()) {
            out.printf(Locale.ROOT, "%-16s %10.1f %10.1f %10.1f..%-10.1f %9.1f %12s %7.4f%n", g.group(),
                    g.fit().sMin(), g.fit().bNoise(), g.fit().bNoiseLo90(), g.fit().bNoiseHi90(), g.cbs(),
                    g.tokens().isPresent() ? String.format(Locale.ROOT, "%.4g", g.tokens().getAsDouble()) : "-",
                    g.fit().r2());
        }
        if (a.bNoiseScaling() != null) {
            printLaw("B_noise", a.bNoiseScaling());
            printLaw("CBS (direct fit, for comparison)", a.cbsScaling());
        }
        for (SweepAnalysis.Prediction p : a.predictions()) {
            out.printf(Locale.ROOT, "at D = %.4g tokens: B_noise %.1f, CBS %.1f (90 %%: %.1f .. %.1f) sequences%n",
                    p.tokens(), p.bNoise(), p.cbs(), p.lo90(), p.hi90());
        }
    }

    private void printLaw(String what, PowerLawFit f) {
        out.printf(Locale.ROOT, "%s = %.4g · D^%.3f (β 90 %%: %.3f .. %.3f, R² %.4f, %d groups)%n", what, f.k(),
                f.beta(), f.betaLo90(), f.betaHi90(), f.r2(), f.points());
    }

    static ObjectNode reportJson(SweepAnalysis a) {
        ObjectNode root = ReportJson.MAPPER.createObjectNode();
        ArrayNode groups = root.putArray("groups");
        for (SweepAnalysis.GroupResult g : a.groups()) {
            ObjectNode n = groups.addObject();
            n.put("group", g.group());
            ReportJson.put(n, "s_min", g.fit().sMin());
            ReportJson.put(n, "b_noise", g.fit().bNoise());
            ReportJson.put(n, "b_noise_lo90", g.fit().bNoiseLo90());
            ReportJson.put(n, "b_noise_hi90", g.fit().bNoiseHi90());
            ReportJson.put(n, "cbs", g.cbs());
            if (g.tokens().isPresent()) {
                ReportJson.put(n, "tokens_to_target", g.tokens().getAsDouble());
            }
            ReportJson.put(n, "r2", g.fit().r2());
        }
        if (a.bNoiseScaling() == null) {
            root.putNull("scaling");
        } else {
            ObjectNode s = root.putObject("scaling");
            ReportJson.put(s, "k", a.bNoiseScaling().k());
            ReportJson.put(s, "beta", a.bNoiseScaling().beta());
            ReportJson.put(s, "beta_lo90", a.bNoiseScaling().betaLo90());
            ReportJson.put(s, "beta_hi90", a.bNoiseScaling().betaHi90());
        }
        ArrayNode predictions = root.putArray("predictions");
        for (SweepAnalysis.Prediction p : a.predictions()) {
            ObjectNode n = predictions.addObject();
            ReportJson.put(n, "tokens", p.tokens());
            ReportJson.put(n, "b_noise", p.bNoise());
            ReportJson.put(n, "cbs", p.cbs());
            ReportJson.put(n, "lo90", p.lo90());
            ReportJson.put(n, "hi90", p.hi90());
        }
        return root;
    }
}
