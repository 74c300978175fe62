package dev.runlaw.cli.moe;

import dev.runlaw.bench.LayerDetectorsBenchmark;
import dev.runlaw.math.anomaly.Alert;
import dev.runlaw.math.anomaly.AlertKind;
import dev.runlaw.math.anomaly.AnomalySettings;
import dev.runlaw.math.anomaly.MoeReplay;
import dev.runlaw.math.moe.ExpertLoadStats;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The figures of docs/benchmarks.md, "MoE health on tiny-moe": each tiny-moe run's expert loads replayed through
 * the MoE detectors with default settings ({@link MoeReplay}), every alert with its first and detected step and the
 * delay from the evidence, beside the fixed rules "max/mean &gt; 3" and "an expert got 0 tokens" applied to single
 * steps; then the JMH per-step cost of one layer of 8 and of 256 experts ({@link LayerDetectorsBenchmark}).
 *
 * <p>Evidence, from the data: for DEAD_EXPERT the expert's 20th consecutive zero step (the data set's own
 * definition of dead); for ROUTER_COLLAPSE and IMBALANCE the layer's first step with max/mean &gt; 3, except in
 * the no-aux run, whose drift begins when the balancing loss is switched off at step 300 (README).
 *
 * <p>Usage: {@code MoeHealthReport DIR [--no-jmh]} with DIR the tiny-moe folder.
 */
public final class MoeHealthReport {
    /** The step from which the no-aux run drifts (its balancing loss is switched off). */
    static final long DRIFT_START = 300;

    private record RunFile(String label, String file) {
    }

    private static final List<RunFile> RUNS = List.of(new RunFile("healthy", "expert_load.csv"),
            new RunFile("collapse", "expert_load_collapse.csv"),
            new RunFile("no-aux from 300", "expert_load_noaux_from300.csv"));

    private MoeHealthReport() {
    }

    public static void main(String[] args) throws IOException, RunnerException {
        if (args.length < 1) {
            System.err.println("usage: MoeHealthReport TINY_MOE_DIR [--no-jmh]");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        PrintStream out = System.out;
        AnomalySettings settings = AnomalySettings.defaults();
        out.println("| run | layer | alert | severity | first step | detected step | last step | evidence step |"
                + " delay from evidence |");
        out.println("|---|---:|---|---|---:|---:|---:|---:|---:|");
        StringBuilder baseline = new StringBuilder();
        baseline.append("| run | layer | steps with max/mean > 3 (first) | steps with an expert at 0 tokens (first) |"
                + " longest zero run of one expert |\n|---|---:|---|---|---:|\n");
        for (RunFile rf : RUNS) {
            Path file = dir.resolve(rf.file());
            List<String> lines = Files.readAllLines(file);
            MoeReplay.Result r = MoeReplay.replay(file.toString(), lines, settings);
            Map<Integer, LayerFacts> facts = facts(lines);
            if (r.alerts().isEmpty()) {
                out.printf(Locale.ROOT, "| %s | – | none | – | – | – | – | – | – |%n", rf.label());
            }
            for (Alert a : r.alerts()) {
                long evidence = evidence(rf, a, facts.get(a.layer()), settings);
                out.printf(Locale.ROOT, "| %s | %d | %s | %s | %d | %d | %s | %s | %s |%n", rf.label(), a.layer(),
                        a.kind(), a.severity(), a.firstStep(), a.detectedStep(),
                        a.isOpen() ? "open" : Long.toString(a.lastStep()), evidence < 0 ? "–" : evidence,
                        evidence < 0 ? "–" : Long.toString(a.detectedStep() - evidence));
            }
            for (Map.Entry<Integer, LayerFacts> e : facts.entrySet()) {
                LayerFacts f = e.getValue();
                baseline.append(String.format(Locale.ROOT, "| %s | %d | %d (%s) | %d (%s) | %d |%n", rf.label(),
                        e.getKey(), f.overThree, f.firstOverThree < 0 ? "–" : f.firstOverThree, f.zeroSteps,
                        f.firstZero < 0 ? "–" : f.firstZero, f.longestZeroRun));
            }
        }
        out.println();
        out.println("Fixed single-step rules on the same data (the baseline):");
        out.println();
        out.print(baseline);
        out.println();
        sensitivity(dir, out);
        if (args.length > 1 && args[1].equals("--no-jmh")) {
            return;
        }
        out.println();
        jmh(out);
    }

    /**
     * The acceptance outcome with each main threshold moved off its default: how much margin the calibration has.
     */
    private static void sensitivity(Path dir, PrintStream out) throws IOException {
        AnomalySettings.Moe m = AnomalySettings.Moe.defaults();
        Map<String, AnomalySettings.Moe> variants = new java.util.LinkedHashMap<>();
        variants.put("defaults", m);
        variants.put("deadExpertSteps 12", m.withDeadExpertSteps(12));
        variants.put("deadExpertSteps 30", m.withDeadExpertSteps(30));
        variants.put("collapseSteps 3", copy(m, "collapseSteps", 3));
        variants.put("collapseSteps 8", copy(m, "collapseSteps", 8));
        variants.put("imbalanceRise 1.15", copy(m, "imbalanceRise", 1.15));
        variants.put("imbalanceRise 1.3", copy(m, "imbalanceRise", 1.3));
        variants.put("collapseTopShare 0.6", copy(m, "collapseTopShare", 0.6));
        variants.put("collapseEntropy 0.6", copy(m, "collapseEntropy", 0.6));
        out.println("| settings | healthy: alerts ≥ WARNING | collapse: layer-2 ROUTER_COLLAPSE detected |"
                + " collapse: DEAD_EXPERT alerts | no-aux: IMBALANCE / other alerts |");
        out.println("|---|---:|---:|---:|---|");
        for (Map.Entry<String, AnomalySettings.Moe> v : variants.entrySet()) {
            AnomalySettings st = AnomalySettings.defaults().withMoe(v.getValue());
            List<Alert> healthy = replay(dir, RUNS.get(0), st);
            List<Alert> collapse = replay(dir, RUNS.get(1), st);
            List<Alert> drift = replay(dir, RUNS.get(2), st);
            long warn = healthy.stream().filter(a -> a.severity() != dev.runlaw.math.anomaly.Severity.INFO).count();
            String det = collapse.stream().filter(a -> a.kind() == AlertKind.ROUTER_COLLAPSE && a.layer() == 2)
                    .map(a -> Long.toString(a.detectedStep())).findFirst().orElse("none");
            long dead = collapse.stream().filter(a -> a.kind() == AlertKind.DEAD_EXPERT).count();
            long imb = drift.stream().filter(a -> a.kind() == AlertKind.IMBALANCE).count();
            out.printf(Locale.ROOT, "| %s | %d | %s | %d | %d / %d |%n", v.getKey(), warn, det, dead, imb,
                    drift.size() - imb);
        }
    }

    private static List<Alert> replay(Path dir, RunFile rf, AnomalySettings st) throws IOException {
        Path file = dir.resolve(rf.file());
        return MoeReplay.replay(file.toString(), Files.readAllLines(file), st).alerts();
    }

    /** A copy of {@code m} with one component replaced (by its record component name). */
    private static AnomalySettings.Moe copy(AnomalySettings.Moe m, String component, Object value) {
        try {
            var comps = AnomalySettings.Moe.class.getRecordComponents();
            Object[] args = new Object[comps.length];
            Class<?>[] types = new Class<?>[comps.length];
            for (int i = 0; i < comps.length; i++) {
                types[i] = comps[i].getType();
                args[i] = comps[i].getName().equals(component) ? value : comps[i].getAccessor().invoke(m);
            }
            return AnomalySettings.Moe.class.getDeclaredConstructor(types).newInstance(args);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot vary " + component, e);
        }
    }

    private static long evidence(RunFile rf, Alert a, LayerFacts f, AnomalySettings settings) {
        if (a.kind() == AlertKind.DEAD_EXPERT) {
            return a.firstStep() + settings.moe().deadExpertSteps() - 1;
        }
        if (rf.file().contains("noaux") && a.kind() == AlertKind.IMBALANCE) {
            return DRIFT_START;
        }
        return f.firstOverThree;
    }

    /** Single-step facts of one layer: what the fixed rules see. */
    private static final class LayerFacts {
        int overThree;
        long firstOverThree = -1;
        int zeroSteps;
        long firstZero = -1;
        int longestZeroRun;
        int[] zeroRun;
    }

    private static Map<Integer, LayerFacts> facts(List<String> lines) {
        Map<Integer, LayerFacts> facts = new TreeMap<>();
        for (String line : lines.subList(1, lines.size())) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split(",");
            long step = Long.parseLong(f[0].trim());
            String[] parts = f[2].trim().split("\\s+");
            long[] t = new long[parts.length];
            for (int i = 0; i < t.length; i++) {
                t[i] = Long.parseLong(parts[i]);
            }
            LayerFacts lf = facts.computeIfAbsent(Integer.parseInt(f[1].trim()), l -> new LayerFacts());
            if (lf.zeroRun == null) {
                lf.zeroRun = new int[t.length];
            }
            ExpertLoadStats s = ExpertLoadStats.of(t);
            if (s.maxOverMean() > 3) {
                lf.overThree++;
                lf.firstOverThree = lf.firstOverThree < 0 ? step : lf.firstOverThree;
            }
            if (s.zeroExperts() > 0) {
                lf.zeroSteps++;
                lf.firstZero = lf.firstZero < 0 ? step : lf.firstZero;
            }
            for (int e = 0; e < t.length; e++) {
                lf.zeroRun[e] = t[e] == 0 ? lf.zeroRun[e] + 1 : 0;
                lf.longestZeroRun = Math.max(lf.longestZeroRun, lf.zeroRun[e]);
            }
        }
        return facts;
    }

    private static void jmh(PrintStream out) throws RunnerException {
        Collection<RunResult> results = new Runner(new OptionsBuilder()
                .include("^" + LayerDetectorsBenchmark.class.getName().replace(".", "\\.") + "\\.")
                .warmupIterations(3).measurementIterations(5)
                .warmupTime(TimeValue.seconds(1)).measurementTime(TimeValue.seconds(1))
                .forks(1).shouldFailOnError(true).jvmArgsAppend("-Xmx512m").build()).run();
        List<String> rows = new ArrayList<>();
        for (RunResult rr : results) {
            rows.add(String.format(Locale.ROOT, "| %s | %.1f ± %.1f |", rr.getParams().getParam("experts"),
                    rr.getPrimaryResult().getScore(), rr.getPrimaryResult().getScoreError()));
        }
        out.println("| experts in the layer | ns per step (JMH, 1 fork, 5 × 1 s) |");
        out.println("|---:|---:|");
        rows.forEach(out::println);
    }
}
