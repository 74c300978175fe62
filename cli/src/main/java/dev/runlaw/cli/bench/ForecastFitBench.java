package dev.runlaw.cli.bench;

import dev.runlaw.bench.FitErrors;
import dev.runlaw.bench.JointFitBenchmark;
import dev.runlaw.bench.OnlineReplay;
import dev.runlaw.bench.OnlineUpdateBenchmark;
import dev.runlaw.bench.ReferenceRuns;
import dev.runlaw.local.ProjectRoot;
import dev.runlaw.bench.RetainedSize;
import dev.runlaw.bench.SyntheticRun;
import dev.runlaw.math.data.RunCurve;
import dev.runlaw.math.fit.FitResult;
import dev.runlaw.math.fit.LawFitter;
import dev.runlaw.math.forecast.Forecast;
import dev.runlaw.math.forecast.ForecastModel;
import dev.runlaw.math.schedule.LrSchedule;
import dev.runlaw.math.law.MomentumLaw;
import dev.runlaw.math.online.OnlineRunState;
import dev.runlaw.producers.command.CommandFailure;
import dev.runlaw.producers.command.Commands;
import dev.runlaw.producers.command.HelpOption;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code runlaw bench forecast-fit}: how fast the forecast engine fits, against SciPy.
 *
 * <ol>
 *   <li>Fits each model's three reference runs once per law to get the errors (objective, fit error, PredE on the six
 *       other runs) and the lambda the default momentum fit chooses.</li>
 *   <li>Runs the JMH benchmarks {@link JointFitBenchmark} and {@link OnlineUpdateBenchmark} (forked JVMs, the
 *       iterations of {@link ForecastFitOptions}).</li>
 *   <li>Measures the retained bytes of a fitted online run state after 10k, 100k and 1M steps (JOL).</li>
 *   <li>Runs {@code bench/scipy_momentum_fit.py} (L-BFGS-B from 81 starts, same points, objective and lambda) and
 *       {@code bench/scipy_multipower_fit.py} (the same for the multi-power law, one timed repeat) per model, from
 *       the project root (system property {@code runlaw.project.root}, else the working directory). Each law is
 *       compared with the baseline of the same law (goal 50x), the default law {@code auto} with the momentum
 *       baseline (goal 20x).</li>
 * </ol>
 * and prints the table of {@link ForecastFitReport}. Exit codes: 0 ok (whether or not goals are met: the goals
 * are printed), 2 usage, 1 a benchmark or the baseline failed.
 */
@Command(name = "forecast-fit", sortOptions = false,
        description = {"JMH: the forecast engine's joint 3-curve fit and online update, and its memory, against "
                + "SciPy's L-BFGS-B with 81 starting points (bench/scipy_momentum_fit.py, "
                + "bench/scipy_multipower_fit.py); the default law (auto) against the momentum baseline."})
public final class ForecastFitBench implements Callable<Integer> {
    /** Run lengths at which the online state's memory is measured. */
    static final long[] MEMORY_STEPS = {10_000, 100_000, 1_000_000};

    @Spec
    CommandSpec spec;
    @Mixin
    HelpOption help;
    @Mixin
    ForecastFitOptions.Flags flags;

    private final PrintStream out;

    public ForecastFitBench() {
        this(System.out);
    }

    ForecastFitBench(PrintStream out) {
        this.out = out;
    }

    /** Runs {@code runlaw bench forecast-fit ARGS}, everything to {@code out}; returns the exit code. */
    public static int run(String[] args, PrintStream out) {
        String[] full = new String[args.length + 2];
        full[0] = "bench";
        full[1] = "forecast-fit";
        System.arraycopy(args, 0, full, 2, args.length);
        return Commands.execute(Commands.root().addSubcommand(BenchCommand.commandLine(out)), full, out, out);
    }

    @Override
    public Integer call() {
        ForecastFitOptions o = flags.options(spec);
        Path root = ProjectRoot.find();
        System.setProperty(ReferenceRuns.ROOT_PROPERTY, root.toString());
        List<Path> missing = ReferenceRuns.missingFiles(ReferenceRuns.MODELS);
        if (!missing.isEmpty()) {
            // A dev tool: it reads the development data set beside the repository, which a plain clone lacks.
            throw new CommandFailure("needs the real loss curves (Luo et al. 2025) of the development data set at "
                    + ReferenceRuns.dataDir() + " (not part of the repository; point elsewhere with "
                    + "RUNLAW_JAVA_OPTS=-D" + ReferenceRuns.DATA_PROPERTY + "=DIR); missing " + missing.size()
                    + " file(s): " + missing);
        }
        try {
            return run(o, root, out);
        } catch (IOException | RunnerException | RuntimeException e) {
            throw new CommandFailure("failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandFailure("interrupted", e);
        }
    }

    private static int run(ForecastFitOptions o, Path root, PrintStream out)
            throws IOException, RunnerException, InterruptedException {
        List<String> header = new ArrayList<>();
        header.add("runlaw bench forecast-fit, " + Instant.now().truncatedTo(ChronoUnit.SECONDS));
        header.add(String.format(Locale.ROOT, "machine: %d cores, load average %.2f at start; %s %s; %s",
                Runtime.getRuntime().availableProcessors(), loadAverage(), System.getProperty("java.vm.name"),
                System.getProperty("java.version"), System.getProperty("os.name")));
        header.add(String.format(Locale.ROOT, "JMH: %d warmup + %d measurement iterations of %d ms, %d fork(s); "
                + "errors are JMH's 99.9 %% half-widths", o.warmup(), o.iterations(), o.iterationMs(), o.forks()));

        // 1. Errors and the chosen lambda, from one fit per (model, law).
        out.println("fitting once per model and law for the errors ...");
        Map<String, Double> chosenLambda = new LinkedHashMap<>();
        Map<String, FitResult> fits = new HashMap<>();
        for (String model : o.models()) {
            List<RunCurve> fit = ReferenceRuns.curves(model, ReferenceRuns.FIT);
            FitResult m = LawFitter.create(MomentumLaw.create()).fit(ReferenceRuns.observations(fit));
            if (!m.ok()) {
                throw new IllegalStateException(model + ": momentum fit failed: " + m);
            }
            chosenLambda.put(model, ((MomentumLaw) m.law()).lambda());
        }
        Set<String> laws = new LinkedHashSet<>();
        laws.add("momentum");
        for (double l : chosenLambda.values()) {
            laws.add(JointFitBenchmark.FIXED_LAMBDA + l);
        }
        laws.add("multipower");
        laws.add(JointFitBenchmark.AUTO);
        Map<String, RunCurve[]> predict = new HashMap<>();
        Map<String, ForecastModel> autoModels = new HashMap<>();
        for (String model : o.models()) {
            List<RunCurve> fit = ReferenceRuns.curves(model, ReferenceRuns.FIT);
            predict.put(model, ReferenceRuns.curves(model, ReferenceRuns.PREDICT).toArray(new RunCurve[0]));
            for (String law : laws) {
                if (law.startsWith(JointFitBenchmark.FIXED_LAMBDA)
                        && !law.equals(JointFitBenchmark.FIXED_LAMBDA + chosenLambda.get(model))) {
                    continue;
                }
                if (law.equals(JointFitBenchmark.AUTO)) {
                    ForecastModel m = ForecastModel.select(ReferenceRuns.observations(fit), law, false);
                    if (!m.ok()) {
                        throw new IllegalStateException(model + " auto: a member fit failed: " + m);
                    }
                    autoModels.put(model, m);
                    continue;
                }
                FitResult r = LawFitter.create(JointFitBenchmark.law(law)).fit(ReferenceRuns.observations(fit));
                if (!r.ok()) {
                    throw new IllegalStateException(model + " " + law + ": fit failed: " + r);
                }
                fits.put(model + "/" + law, r);
            }
        }

        // 2. JMH.
        ChainedOptionsBuilder jmh = new OptionsBuilder()
                .include("^" + JointFitBenchmark.class.getName().replace(".", "\\.") + "\\.")
                .include("^" + OnlineUpdateBenchmark.class.getName().replace(".", "\\.") + "\\.")
                .param("model", o.models().toArray(new String[0]))
                .param("law", laws.toArray(new String[0]))
                .warmupIterations(o.warmup())
                .measurementIterations(o.iterations())
                .warmupTime(TimeValue.milliseconds(o.iterationMs()))
                .measurementTime(TimeValue.milliseconds(o.iterationMs()))
                .forks(o.forks())
                .shouldFailOnError(true)
                .jvmArgsAppend("-D" + ReferenceRuns.ROOT_PROPERTY + "=" + root, "-Xmx1g");
        Collection<RunResult> results = new Runner(jmh.build(),
                OutputFormatFactory.createFormatInstance(out, VerboseMode.NORMAL)).run();

        List<ForecastFitReport.FitRow> rows = new ArrayList<>();
        double[] onlineFig = {Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN};
        Map<String, double[]> jmhFit = new HashMap<>();
        for (RunResult rr : results) {
            String bench = rr.getParams().getBenchmark();
            Result<?> p = rr.getPrimaryResult();
            if (bench.endsWith(".jointFit")) {
                String key = rr.getParams().getParam("model") + "/" + rr.getParams().getParam("law");
                jmhFit.put(key, new double[] {p.getScore(), p.getScoreError()});
            } else if (bench.endsWith(".replayWithRefits")) {
                onlineFig[0] = p.getScore();
                onlineFig[1] = p.getScoreError();
            } else if (bench.endsWith(".replayAppendOnly")) {
                onlineFig[2] = p.getScore();
                onlineFig[3] = p.getScoreError();
            } else if (bench.endsWith(".warmRefit")) {
                onlineFig[4] = p.getScore();
                onlineFig[5] = p.getScoreError();
            }
        }

        // 3. Memory.
        out.println("measuring the memory of fitted online states ...");
        List<ForecastFitReport.MemoryRow> memory = new ArrayList<>();
        for (long steps : MEMORY_STEPS) {
            OnlineRunState s = SyntheticRun.fittedState(steps, OnlineRunState.DEFAULT_CAPACITY);
            memory.add(new ForecastFitReport.MemoryRow(steps, s.storedPoints(), RetainedSize.of(s),
                    s.memoryBytes()));
        }
        RunCurve replayed = ReferenceRuns.curve(OnlineUpdateBenchmark.MODEL, OnlineUpdateBenchmark.RUN);
        int refits = new OnlineReplay(replayed).feedAll(OnlineRunState.create(replayed.firstStep()),
                OnlineReplay.EVERY_MEASURED_POINT);
        ForecastFitReport.Online online = new ForecastFitReport.Online(
                OnlineUpdateBenchmark.MODEL + " " + OnlineUpdateBenchmark.RUN, replayed.length(), refits,
                onlineFig[0], onlineFig[1], onlineFig[2], onlineFig[3], onlineFig[4], onlineFig[5]);

        // 4. SciPy, after JMH so that the two never share the cores.
        Map<String, ScipyBaseline> scipy = new HashMap<>();
        Map<String, ScipyBaseline> scipyMultipower = new HashMap<>();
        if (o.scipy()) {
            for (String model : o.models()) {
                out.println("running " + ScipyBaseline.SCRIPT + " for " + model + " ...");
                scipy.put(model, ScipyBaseline.run(root, o.python(), model, chosenLambda.get(model),
                        o.scipyRepeats()));
                // One repeat: the 81-start multi-power fit takes seconds, and is compared at a ratio far above noise.
                out.println("running " + ScipyBaseline.MULTIPOWER_SCRIPT + " for " + model + " ...");
                scipyMultipower.put(model, ScipyBaseline.runMultipower(root, o.python(), model, 1));
            }
        }
        header.add(String.format(Locale.ROOT, "load average %.2f at the end", loadAverage()));

        for (String model : o.models()) {
            for (String law : laws) {
                double[] t = jmhFit.get(model + "/" + law);
                ForecastModel auto = autoModels.get(model);
                if (law.equals(JointFitBenchmark.AUTO) && auto != null && t != null) {
                    rows.add(autoRow(model, auto, t, predict.get(model), scipy.get(model)));
                    continue;
                }
                FitResult r = fits.get(model + "/" + law);
                if (r == null || t == null) {
                    continue;
                }
                double[] params = r.params();
                RunCurve[] pred = predict.get(model);
                double predE = 0;
                for (RunCurve c : pred) {
                    predE += FitErrors.predE(r.law(), params, c);
                }
                predE /= pred.length;
                double fitErr = FitErrors.pooled(r.law(), params, ReferenceRuns.curves(model, ReferenceRuns.FIT));
                ScipyBaseline b = law.startsWith("momentum") ? scipy.get(model) : scipyMultipower.get(model);
                rows.add(new ForecastFitReport.FitRow(model, law, r.law().hyperParameters().isEmpty() ? "-"
                        : r.law().hyperParameters(), t[0], t[1], r.objective(), fitErr, predE, b));
            }
        }
        ForecastFitReport report = new ForecastFitReport(header, rows, online, memory);
        out.println();
        out.print(report.table());
        return 0;
    }

    /** The {@code auto} row: errors of the ensemble's point forecasts, compared with the SciPy momentum time. */
    private static ForecastFitReport.FitRow autoRow(String model, ForecastModel auto, double[] t, RunCurve[] pred,
                                                    ScipyBaseline momentumBaseline) {
        double predE = 0;
        for (RunCurve c : pred) {
            predE += meanRelativeError(auto, c);
        }
        predE /= pred.length;
        double fitSum = 0;
        int fitN = 0;
        for (RunCurve c : ReferenceRuns.curves(model, ReferenceRuns.FIT)) {
            int n = postWarmup(c).length;
            fitSum += meanRelativeError(auto, c) * n;
            fitN += n;
        }
        FitResult mp = auto.fits().get(auto.fits().size() - 1);
        String chosen = String.format(Locale.ROOT, "w=%.2f/%.2f", auto.weights()[0],
                auto.weights()[auto.weights().length - 1]);
        return new ForecastFitReport.FitRow(model, JointFitBenchmark.AUTO, chosen, t[0], t[1], mp.objective(),
                fitSum / fitN, predE, momentumBaseline, ForecastFitReport.DEFAULT_LAW_SPEEDUP_GOAL, false);
    }

    private static double meanRelativeError(ForecastModel m, RunCurve c) {
        LrSchedule s = LrSchedule.of(c.firstStep(), c.lr());
        long[] steps = postWarmup(c);
        Forecast[] f = m.forecast(s, steps, -1);
        double e = 0;
        for (int i = 0; i < steps.length; i++) {
            double truth = c.lossAt(steps[i]);
            e += Math.abs(f[i].point() - truth) / truth;
        }
        return e / steps.length;
    }

    private static long[] postWarmup(RunCurve c) {
        long peak = LrSchedule.of(c.firstStep(), c.lr()).peakStep();
        return java.util.Arrays.stream(c.measuredSteps()).filter(x -> x > peak).toArray();
    }

    private static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }
}
