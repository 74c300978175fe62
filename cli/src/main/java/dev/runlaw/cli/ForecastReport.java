package dev.runlaw.cli;

import dev.runlaw.cli.backtest.BacktestReport;
import dev.runlaw.math.data.RunCurve;
import dev.runlaw.math.schedule.LrSchedule;
import dev.runlaw.producers.ProgressBar;
import dev.runlaw.producers.RunDirectory;
import dev.runlaw.producers.RunReplayer;
import dev.runlaw.producers.TelemetryProducer;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.core.execution.JobClient;

/**
 * {@code ./runlaw demo --runs DIR [--reference FILE...] --observe-fraction F --report OUT.json}: the backtest's
 * observe-mode protocol run through the live pipeline instead of in one process. Reference runs are replayed in
 * full (the forecast job publishes each as a reference of family {@value #FAMILY}); each run in DIR is replayed up
 * to the fraction F; then each run's newest forecast is read back from ClickHouse and scored exactly as
 * {@code ./runlaw backtest --observe-fraction F} scores its forecasts (same fields).
 *
 * <p>So that the two are comparable, the forecast job runs here with a full law selection at every refit
 * ({@code forecast.full-select-every=1}), a dense forecast curve ({@value #CURVE_POINTS} points; {@code pred_e} is
 * the mean relative error of that curve, interpolated linearly, at the run's measured steps after the cut), and
 * each predicted run announces its last measured step as its planned last step (where the backtest scores its
 * final forecast).
 *
 * <p>The wait for the forecasts at the cut ({@link CutForecasts}) covers all runs at once, prints what it still
 * waits for every few seconds, and is bounded ({@link #FORECAST_WAIT}): a run whose forecast did not come (or came
 * without a final value) is listed with its status ({@link Result#unscored()}) instead of failing the report.
 */
final class ForecastReport {
    /** Family id of the replayed runs, so the references serve the predicted runs. */
    static final String FAMILY = "report";
    /** Forecast curve points in report mode. */
    static final int CURVE_POINTS = 4096;
    /**
     * Longest wait, in all, for the predicted runs' forecasts at their cut once they are replayed; a run still
     * without one is reported with what was last seen instead of failing the report.
     */
    static final Duration FORECAST_WAIT = Duration.ofMinutes(10);

    private ForecastReport() {
    }

    /** Forecast-job settings of report mode. */
    static Map<String, String> jobSettings(String law) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("forecast.law", law);
        m.put("forecast.full-select-every", "1");
        m.put("forecast.curve-points", Integer.toString(CURVE_POINTS));
        // Only the forecast at the cut is scored: refit on the interval, not every few points, and not often (each
        // refit is a full selection, seconds on a 72,000-step run; runs replay faster than the job refits them).
        m.put("forecast.refit-points", "1000000");
        m.put("forecast.refit-interval-ms", "5000");
        return m;
    }

    /** A predicted run that could not be scored, and why ({@link CutForecasts.Watch#status()}). */
    record Unscored(String name, long cut, String status) {
    }

    /**
     * What report mode produced: the scores of the runs whose forecast at the cut came (means over those), and the
     * status of the others.
     */
    record Result(BacktestReport report, List<Unscored> unscored) {
        Result {
            unscored = List.copyOf(unscored);
        }

        /** Whether every run was scored. */
        boolean complete() {
            return unscored.isEmpty();
        }

        /** The backtest's summary, then one line per run that could not be scored. */
        String summary() {
            StringBuilder sb = new StringBuilder(report.summary());
            for (Unscored u : unscored) {
                sb.append(String.format(java.util.Locale.ROOT, "not scored: %s at step %d: %s%n", u.name(), u.cut(),
                        u.status()));
            }
            return sb.toString();
        }
    }

    /** {@link #run(LocalStack, JobClient, List, Path, double, String, boolean, PrintStream, Duration)}, {@link #FORECAST_WAIT}. */
    static Result run(LocalStack stack, JobClient job, List<Path> referenceFiles, Path runsDir, double fraction,
                      String law, boolean progress, PrintStream out) throws Exception {
        return run(stack, job, referenceFiles, runsDir, fraction, law, progress, out, FORECAST_WAIT);
    }

    /**
     * Replays and scores on a started stack whose forecast job runs with {@link #jobSettings}.
     *
     * @param job  the forecast job, watched so that its failure ends the wait with its cause
     * @param wait how long to wait for the references to be published (else the report fails), and then, in all,
     *             for the forecasts at the cut (a run still without one is reported with its status, not scored)
     */
    static Result run(LocalStack stack, JobClient job, List<Path> referenceFiles, Path runsDir, double fraction,
                      String law, boolean progress, PrintStream out, Duration wait) throws Exception {
        List<RunCurve> references = new ArrayList<>();
        for (Path f : referenceFiles) {
            references.add(RunDirectory.loadFile(f));
        }
        List<RunCurve> predicted = RunDirectory.load(runsDir);
        if (predicted.isEmpty()) {
            throw new IllegalArgumentException("--runs " + runsDir + ": no run CSV files");
        }
        long t0 = System.nanoTime();
        // A replay of files can wait for the broker, unlike a trainer's step: block up to a minute on metadata
        // instead of failing records after the default second (which a loaded 2-core machine exceeds).
        try (TelemetryProducer producer = TelemetryProducer.builder(stack.kafka().bootstrapServers())
                .property("max.block.ms", 60_000).build()) {
            java.util.function.Consumer<SpecificRecord> send = r -> {
                while (!producer.send(r)) {
                    producer.flush(Duration.ofSeconds(5));
                }
            };
            for (RunCurve c : references) {
                RunReplayer.create(c, "ref-" + c.name()).withFamilyId(FAMILY).withEvalMetrics(false)
                        .replay(send, ProgressBar.stderr("reference " + c.name(), progress));
            }
            producer.flush(Duration.ofMinutes(2));
            checkDelivered(producer);
            awaitReferences(stack, job, references.size(), wait, out);
            out.printf("  %d reference run(s) published by the forecast job%n", references.size());
            for (RunCurve c : predicted) {
                RunReplayer.create(c, c.name()).withFamilyId(FAMILY).withEvalMetrics(false).withMaxFraction(fraction)
                        .withPlannedTotalSteps(plannedEnd(c))
                        // Advice against the best finished reference, as a trainer comparing to its baselines would.
                        .withStopTarget(DemoCommand.SIBLING_TARGET)
                        .replay(send, ProgressBar.stderr("observe " + c.name(), progress));
            }
            producer.flush(Duration.ofMinutes(2));
            checkDelivered(producer);
        }
        out.printf("  %d run(s) replayed up to %.0f %% of their steps; waiting for their forecasts (at most %d s)%n",
                predicted.size(), 100 * fraction, wait.toSeconds());
        List<CutForecasts.Watch> watches = new ArrayList<>();
        for (RunCurve c : predicted) {
            watches.add(new CutForecasts.Watch(c.name(), cut(c, fraction), plannedEnd(c)));
        }
        CutForecasts.await(stack, job, watches, references.size(), wait, out);
        List<BacktestReport.RunScore> scores = new ArrayList<>();
        List<Unscored> unscored = new ArrayList<>();
        for (int i = 0; i < predicted.size(); i++) {
            CutForecasts.Watch w = watches.get(i);
            if (w.state == CutForecasts.State.READY) {
                scores.add(score(stack, predicted.get(i), w.cut));
            } else {
                unscored.add(new Unscored(predicted.get(i).name(), w.cut, w.status()));
            }
        }
        double meanPred = scores.stream().mapToDouble(BacktestReport.RunScore::predE).average().orElse(Double.NaN);
        double meanFinal = scores.stream().mapToDouble(BacktestReport.RunScore::finalErr).average().orElse(Double.NaN);
        double maxFinal = scores.stream().mapToDouble(BacktestReport.RunScore::finalErr).max().orElse(Double.NaN);
        double cov = scores.stream().mapToDouble(s -> s.covered() ? 1 : 0).average().orElse(Double.NaN);
        return new Result(new BacktestReport("live:" + law, fraction, scores, meanPred, meanFinal, maxFinal, cov,
                (System.nanoTime() - t0) / 1_000_000), unscored);
    }

    /** The last step replayed of a predicted run, where its forecast is read (the backtest's cut). */
    static long cut(RunCurve c, double fraction) {
        return c.firstStep() + (long) Math.floor(fraction * c.length()) - 1;
    }

    /** The planned last step a predicted run announces: its last measured step, where the backtest scores. */
    static long plannedEnd(RunCurve c) {
        long[] measured = c.measuredSteps();
        return measured[measured.length - 1];
    }

    /** A record the producer gave up on would leave a run without its plan or its last steps: fail loudly. */
    private static void checkDelivered(TelemetryProducer producer) {
        TelemetryProducer.Counters c = producer.counters();
        if (c.failed() > 0 || c.dropped() > 0) {
            throw new IllegalStateException("producer lost records: " + c);
        }
    }

    /** Waits for the references to be published, printing which are every {@link CutForecasts#PROGRESS_MS} ms. */
    private static void awaitReferences(LocalStack stack, JobClient job, int n, Duration timeout, PrintStream out)
            throws Exception {
        String sql = "SELECT run_id FROM run_references FINAL WHERE family_id = '" + FAMILY + "' ORDER BY run_id";
        List<String> seen = new ArrayList<>();
        long t0 = System.nanoTime();
        long[] lastPrint = {t0};
        JobWait.until(job, timeout, () -> n + " reference runs to be published (published: " + seen + ")", () -> {
            List<String> now = stack.http().query(sql).stream().map(r -> r.get(0)).toList();
            seen.clear();
            seen.addAll(now);
            long t = System.nanoTime();
            if (now.size() < n && t - lastPrint[0] >= CutForecasts.PROGRESS_MS * 1_000_000) {
                lastPrint[0] = t;
                long sec = (t - t0) / 1_000_000_000;
                out.printf("  [%d:%02d] references published: %d of %d %s%n", sec / 60, sec % 60, now.size(), n, now);
            }
            return now.size() >= n;
        });
    }

    /** Scores the run's forecast at the cut (settled: {@link CutForecasts}) like the backtest does. */
    static BacktestReport.RunScore score(LocalStack stack, RunCurve c, long cut) {
        String run = c.name().replace("'", "");
        String where = "run_id = '" + run + "' AND step = " + cut;
        List<String> f = stack.http().query("SELECT law, final_pred, final_lo90, final_hi90, final_log_sd,"
                + " arrayStringConcat(param_names, ','), arrayStringConcat(arrayMap(x -> toString(x), param_values), ',')"
                + " FROM forecasts FINAL WHERE " + where).get(0);
        String curveWhere = "run_id = '" + run + "' AND forecast_step = " + cut;
        List<List<String>> curve = stack.http().query("SELECT step, loss FROM forecast_curves FINAL WHERE "
                + curveWhere + " ORDER BY step");
        long[] cs = new long[curve.size()];
        double[] cl = new double[curve.size()];
        for (int i = 0; i < cs.length; i++) {
            cs[i] = Long.parseLong(curve.get(i).get(0));
            cl[i] = Double.parseDouble(curve.get(i).get(1));
        }
        long peak = LrSchedule.of(c.firstStep(), c.lr()).peakStep();
        List<Long> scored = new ArrayList<>();
        for (long s : c.measuredSteps()) {
            if (s > cut && s > peak) {
                scored.add(s);
            }
        }
        if (scored.isEmpty()) {
            throw new IllegalArgumentException(c.name() + ": no measured post-warmup loss after the observed part");
        }
        double sumE = 0;
        for (long s : scored) {
            double t = c.lossAt(s);
            sumE += Math.abs(interpolate(cs, cl, s) - t) / t;
        }
        long last = scored.get(scored.size() - 1);
        double pred = Double.parseDouble(f.get(1));
        double lo = Double.parseDouble(f.get(2));
        double hi = Double.parseDouble(f.get(3));
        double logSd = f.get(4) == null ? Double.NaN : Double.parseDouble(f.get(4));
        double truth = c.lossAt(last);
        Map<String, Double> params = new TreeMap<>();
        String[] names = f.get(5).isEmpty() ? new String[0] : f.get(5).split(",");
        String[] values = f.get(6).isEmpty() ? new String[0] : f.get(6).split(",");
        for (int i = 0; i < Math.min(names.length, values.length); i++) {
            params.put(names[i], Double.parseDouble(values[i]));
        }
        return new BacktestReport.RunScore(c.name(), f.get(0), params, scored.size(), sumE / scored.size(), last,
                Math.abs(pred - truth) / truth, pred, truth, lo, hi, truth >= lo && truth <= hi, logSd,
                Math.log((double) last / cut), 0);
    }

    /** Linear interpolation of the curve at {@code step}; the end values outside it. */
    static double interpolate(long[] steps, double[] values, long step) {
        if (steps.length == 0) {
            return Double.NaN;
        }
        int i = java.util.Arrays.binarySearch(steps, step);
        if (i >= 0) {
            return values[i];
        }
        int hi = -i - 1;
        if (hi == 0) {
            return values[0];
        }
        if (hi >= steps.length) {
            return values[steps.length - 1];
        }
        int lo = hi - 1;
        double w = (double) (step - steps[lo]) / (steps[hi] - steps[lo]);
        return values[lo] + w * (values[hi] - values[lo]);
    }
}
