package dev.runlaw.cli.bench.detect;

import dev.runlaw.bench.detect.BaselineRule;
import dev.runlaw.local.ProjectRoot;
import dev.runlaw.math.anomaly.Alert;
import dev.runlaw.math.anomaly.AnomalySettings;
import dev.runlaw.math.anomaly.DetectReplay;
import dev.runlaw.math.anomaly.Severity;
import dev.runlaw.math.anomaly.StepTable;
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
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./runlaw bench detect}: recall, detection delay and false alarms of the run-level detectors against the
 * OLMo-core, llm-foundry and ZClip rules, on anomalies injected ({@link AnomalyInjector}, seeded) into real runs,
 * plus untouched controls. Two splits: the calibration runs (looked at while choosing the defaults) and held-out
 * runs (not looked at before the figures were taken). Scoring:
 * <ul>
 *   <li>a case is detected by runlaw when an alert of its kind ({@link InjectedKind#alert()}) of severity WARNING
 *       or above is raised at a step in {@code [start, end + 10 logged losses]}; by a baseline when it alarms at any
 *       step there; delays are counted in logged losses from the anomaly's first step;</li>
 *   <li>false alarms: alerts (WARNING+; a baseline's alarms merged when less than 5 steps apart, as runlaw's
 *       cool-down) on the untouched controls, per 100,000 logged losses, counted twice: all of them, and those not
 *       at a natural spike (a loss at least 1.15× the median of the previous 50, the data set README's measure, at
 *       or up to 3 losses before the alarm);</li>
 *   <li>baselines read the loss only; step-time anomalies are runlaw's alone (n/a for them).</li>
 * </ul>
 */
@Command(name = "detect", sortOptions = false,
        description = "Anomaly detectors vs OLMo-core, llm-foundry and ZClip rules on anomalies injected into real "
                + "runs: recall, delay, false alarms.")
public final class DetectBench implements Callable<Integer> {
    /** Runs used while choosing the defaults. */
    static final List<String> CALIBRATION = List.of("spiky-runs/2024-10-09_SOAP__5bdc3988.csv",
            "spiky-runs/2024-11-10_ScaleShortcuts__3e55eb2e.csv", "loss-curves/mpl-25m");
    /** Runs first replayed for these figures. */
    static final List<String> HELD_OUT = List.of("spiky-runs/2024-10-20_ScaleUp1B__87bd51fd.csv",
            "spiky-runs/2024-11-10_ScaleShortcuts__4897c987.csv", "loss-curves/mpl-100m");

    @Spec
    CommandSpec spec;
    @Mixin
    HelpOption help;
    @Option(names = "--data", paramLabel = "DIR", order = 1,
            description = "The data folder holding spiky-runs/ and loss-curves/ (default ../shared/data beside the "
                    + "project).")
    Path data;
    @Option(names = "--seeds", paramLabel = "N", order = 2, description = "Injected copies per run and kind "
            + "(default ${DEFAULT-VALUE}).")
    int seeds = 3;
    @Option(names = "--law", paramLabel = "none|momentum|auto", order = 3,
            description = "Expected loss: none (running baseline only) or the forecast code's law refitted every "
                    + "--refit-points losses (default ${DEFAULT-VALUE}).")
    String law = "none";
    @Option(names = "--refit-points", paramLabel = "N", order = 4,
            description = "Refit cadence with a law (default ${DEFAULT-VALUE}, the forecast job's).")
    int refitPoints = 16;
    @Option(names = "--split", paramLabel = "calibration|held-out|both", order = 5,
            description = "Which runs (default ${DEFAULT-VALUE}; tune on calibration only, measure held-out once).")
    String split = "both";
    @Option(names = "--kinds", paramLabel = "KIND,...", split = ",", order = 6,
            description = "Only these injected kinds (default all), e.g. plateau,divergence; controls always run.")
    List<String> kinds;
    @Option(names = "--set", paramLabel = "NAME=VALUE", order = 7,
            description = "Replace a run-level default (an AnomalySettings component, e.g. spikeZ=5); repeatable.")
    java.util.Map<String, String> set;
    @Option(names = "--jmh", order = 8,
            description = "Only the JMH cost per step: all run-level detectors vs the OLMo-core rule, same run.")
    boolean jmh;

    private final PrintStream out;
    private List<InjectedKind> selected = List.of(InjectedKind.values());

    public DetectBench() {
        this(System.out);
    }

    public DetectBench(PrintStream out) {
        this.out = out;
    }

    private static List<Supplier<BaselineRule>> baselines() {
        return List.of(BaselineRule::olmo, BaselineRule::llmFoundry, BaselineRule::zclip);
    }

    @Override
    public Integer call() {
        if (!List.of("none", "momentum", "auto").contains(law)) {
            throw Commands.usage(spec, "--law must be none, momentum or auto, got " + law);
        }
        if (!List.of("calibration", "held-out", "both").contains(split)) {
            throw Commands.usage(spec, "--split must be calibration, held-out or both, got " + split);
        }
        List<InjectedKind> chosen = new ArrayList<>();
        for (String k : kinds == null ? List.<String>of() : kinds) {
            try {
                chosen.add(InjectedKind.valueOf(k.trim().toUpperCase(Locale.ROOT).replace('-', '_')));
            } catch (IllegalArgumentException e) {
                throw Commands.usage(spec, "--kinds: unknown kind '" + k + "'; known: "
                        + java.util.Arrays.toString(InjectedKind.values()).toLowerCase(Locale.ROOT));
            }
        }
        selected = chosen.isEmpty() ? List.of(InjectedKind.values()) : chosen;
        if (seeds < 1 || refitPoints < 1) {
            throw Commands.usage(spec, "--seeds and --refit-points must be >= 1");
        }
        if (jmh) {
            DetectCost.run(out);
            return Commands.OK;
        }
        Path root = data != null ? data : ProjectRoot.find().resolve("../shared/data").normalize();
        DetectReplay replay = law.equals("none") ? DetectReplay.create().withForecast("momentum", 0)
                : DetectReplay.create().withForecast(law, refitPoints);
        if (set != null && !set.isEmpty()) {
            try {
                replay = replay.withSettings(AnomalySettings.defaults().with(set));
            } catch (IllegalArgumentException e) {
                throw Commands.usage(spec, "--set: " + e.getMessage());
            }
            out.println("settings changed: " + new java.util.TreeMap<>(set));
        }
        out.printf(Locale.ROOT, "runlaw bench detect: data %s, %d seed(s), law %s%s, %d cores%n", root, seeds, law,
                law.equals("none") ? "" : " refit every " + refitPoints, Runtime.getRuntime().availableProcessors());
        long t0 = System.nanoTime();
        for (String split : this.split.equals("both") ? List.of("calibration", "held-out") : List.of(this.split)) {
            for (String source : List.of("spiky-runs", "loss-curves")) {
                List<Path> files = files(root, (split.equals("calibration") ? CALIBRATION : HELD_OUT).stream()
                        .filter(e -> e.startsWith(source)).toList());
                DetectScore score = new DetectScore(baselines().stream().map(b -> b.get().name()).toList());
                for (Path f : files) {
                    runFile(root, f, replay, score);
                }
                out.println();
                out.println("## " + split + ", " + source + ": " + files.stream()
                        .map(p -> p.getFileName().toString()).toList());
                out.print(score.table());
            }
        }
        out.printf(Locale.ROOT, "%ntook %.0f s%n", (System.nanoTime() - t0) / 1e9);
        return Commands.OK;
    }

    private void runFile(Path root, Path f, DetectReplay replay, DetectScore score) {
        StepTable clean = read(f);
        String name = root.relativize(f).toString();
        score.control(clean, replay.replay(name, clean).alerts(), baselineAlarms(clean));
        for (InjectedKind kind : selected) {
            // A divergence or a plateau is one case per copy: more copies for them.
            int copies = kind == InjectedKind.DIVERGENCE || kind == InjectedKind.PLATEAU ? 8 * seeds : seeds;
            for (int s = 0; s < copies; s++) {
                long seed = 1_000_003L * s + kind.ordinal() * 7919L + name.hashCode();
                AnomalyInjector.Injected inj = AnomalyInjector.inject(clean, kind, new SplittableRandom(seed));
                if (inj.injections().isEmpty()) {
                    continue;
                }
                List<Alert> alerts = replay.replay(name, inj.table()).alerts().stream()
                        .filter(a -> a.severity().compareTo(Severity.WARNING) >= 0).toList();
                score.cases(clean, inj, alerts, kind.timing() ? null : baselineAlarms(inj.table()));
            }
        }
    }

    /** Per baseline, the steps at which it alarms. */
    private static List<long[]> baselineAlarms(StepTable t) {
        List<long[]> all = new ArrayList<>();
        for (Supplier<BaselineRule> s : baselines()) {
            BaselineRule r = s.get();
            List<Long> steps = new ArrayList<>();
            for (int i = 0; i < t.size(); i++) {
                double x = t.loss()[i];
                if (Double.isNaN(x)) {
                    continue; // not logged
                }
                // The table stores a reported NaN as +Inf; the rules see what the trainer printed.
                if (r.alarm(Double.isInfinite(x) ? Double.NaN : x)) {
                    steps.add(t.steps()[i]);
                }
            }
            all.add(steps.stream().mapToLong(Long::longValue).toArray());
        }
        return all;
    }

    private StepTable read(Path f) {
        try {
            return StepTable.parse(f.toString(), Files.readAllLines(f));
        } catch (IOException e) {
            throw new CommandFailure(f + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static List<Path> files(Path root, List<String> entries) {
        List<Path> out = new ArrayList<>();
        for (String e : entries) {
            Path p = root.resolve(e);
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    s.filter(x -> x.toString().endsWith(".csv")).sorted().forEach(out::add);
                } catch (IOException ex) {
                    throw new CommandFailure(p + ": cannot list: " + ex.getMessage(), ex);
                }
            } else if (Files.isRegularFile(p)) {
                out.add(p);
            } else {
                throw new CommandFailure(p + ": missing (see --data)");
            }
        }
        return out;
    }
}
