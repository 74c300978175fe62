package dev.runlaw.math.live;

import dev.runlaw.math.data.RunCurve;
import dev.runlaw.math.fit.RunObservations;
import dev.runlaw.math.forecast.ForecastModel;
import dev.runlaw.math.schedule.LrSchedule;
import dev.runlaw.math.fit.PreparedCurveCache;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Not a test: wall time of a warm refit ({@link RunTracker#forecast} of a run it already forecast, new points
 * appended, state round-tripped through bytes as the job does) with the default settings (law auto, 32 curve
 * points, three decay-at what-ifs and decay-now, a full selection every 8th refit) and three references (mpl-25m
 * cosine_24000, constant_24000, wsdcon_9, rebuilt through LrTrack + LossSummary as the job rebuilds them), on
 * <ul>
 *   <li>72 000 planned steps: mpl-25m cosine_72000 under its cosine spec, observed to 40 %, a refit every 128
 *       steps (each loss);</li>
 *   <li>10^6 planned steps: a seeded cosine run (loss every 100 steps, 0.3 % noise) observed to 40 %, a refit every
 *       1 000 steps.</li>
 * </ul>
 * Then the parts of one warm refit: {@code ForecastModel.refit} alone, the final forecast, the curve, the what-ifs;
 * and {@code ForecastModel.refit} with a {@link PreparedCurveCache} that already holds the references (what a task
 * keeping one cache across its refits would see). Wall times and, less disturbed on a shared machine, this
 * thread's CPU times.
 * Run with the test classpath: {@code java -cp ... dev.runlaw.math.live.WarmRefitTiming [rounds]}.
 */
public final class WarmRefitTiming {
    private WarmRefitTiming() {
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        List<RunObservations> refs = new ArrayList<>();
        for (String name : List.of("cosine_24000", "constant_24000", "wsdcon_9")) {
            refs.add(Curves.viaTrackAndSummary(Curves.load("25m", name)));
        }
        for (int r = 0; r < rounds; r++) {
            report("72000 ", refs, cosine72k(), 128, 28_799);
            report("10^6  ", refs, synthetic(1_000_000), 1_000, 400_000);
        }
    }

    /** The run to forecast: a plan, an LR and a loss per step. */
    record Run(ScheduleSpec spec, long planned, double[] lr, double[] loss) {
    }

    static Run cosine72k() {
        RunCurve c = Curves.load("25m", "cosine_72000");
        return new Run(ScheduleSpec.of("COSINE", 2160, 0, 3e-4, 3e-5, 2160, 72_000), 72_000, c.lr(), c.loss());
    }

    static Run synthetic(long planned) {
        ScheduleSpec spec = ScheduleSpec.of("COSINE", 2160, 0, 3e-4, 3e-5, 2160, planned);
        LrSchedule s = spec.toSchedule();
        int n = (int) Math.min(planned, 600_000);
        double[] lr = new double[n];
        double[] loss = new double[n];
        SplittableRandom rnd = new SplittableRandom(13);
        double s1 = 0;
        for (int i = 0; i < n; i++) {
            lr[i] = s.lrAt(i);
            s1 += i < 2160 ? 3e-4 : lr[i];
            loss[i] = i >= 2176 && i % 100 == 0 ? (2.9 + 3.5 * Math.pow(s1, -0.35)) * (1 + 0.003 * rnd.nextGaussian())
                    : Double.NaN;
        }
        return new Run(spec, planned, lr, loss);
    }

    static void report(String label, List<RunObservations> refs, Run run, int every, long cut) {
        ForecastSettings settings = ForecastSettings.defaults();
        RunTracker t = RunTracker.create("run", "fam");
        t.plan(run.spec(), null, run.planned());
        long step = 0;
        for (; step <= cut; step++) {
            t.observe(step, run.lr()[(int) step], run.loss()[(int) step], step);
        }
        long a = System.nanoTime();
        t.forecast(refs, settings);
        double selectMs = (System.nanoTime() - a) / 1e6;
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        byte[] start = t.toBytes();
        long startStep = step;
        double[][] plain = warmLoop(start, startStep, refs, run, every, settings, null);
        // As the job runs it since the references' prepared curves are kept per task: one cache across refits,
        // filled by a first refit (the job's first forecast of the family fills it the same way).
        PreparedCurveCache task = PreparedCurveCache.create();
        RunTracker.fromBytes(start).forecast(refs, settings, task);
        double[][] cached = warmLoop(start, startStep, refs, run, every, settings, task);
        double[] warm = plain[0];
        double[] warmCpu = plain[1];
        t = RunTracker.fromBytes(start);
        for (step = startStep; step < startStep + (long) every * warm.length; step++) {
            t.observe(step, run.lr()[(int) step], run.loss()[(int) step], step);
        }
        t.forecast(refs, settings);
        // The parts of one more warm refit, on the same input.
        List<String> issues = new ArrayList<>();
        LrSchedule schedule = ForecastSchedule.assemble(t.observedLr(), run.spec().toPiecewise(LrTrack.DEFAULT_TOLERANCE),
                t.lastStep(), run.planned() - 1, issues);
        List<RunObservations> runs = new ArrayList<>(refs);
        runs.add(new RunObservations("run", schedule, t.lossSteps(), t.lossValues()));
        long c = System.nanoTime();
        ForecastModel m = ForecastModel.refit(t.seed(), runs);
        long d = System.nanoTime();
        m.forecast(schedule, new long[] {run.planned() - 1}, t.lastStep());
        long e = System.nanoTime();
        m.forecast(schedule, WhatIfForecasts.curveSteps(t.lastStep() + 1, run.planned() - 1, settings.curvePoints()),
                t.lastStep());
        long g = System.nanoTime();
        WhatIfForecasts.whatIfs(m, schedule, t.lastStep(), run.planned() - 1, 3e-4, run.spec(), settings);
        long h = System.nanoTime();
        PreparedCurveCache cache = PreparedCurveCache.create();
        ForecastModel.refit(t.seed(), runs, cache);
        List<RunObservations> next = new ArrayList<>(refs);
        next.add(new RunObservations("run", schedule, t.lossSteps(), t.lossValues()));
        long k = mx.getCurrentThreadCpuTime();
        long k2 = System.nanoTime();
        ForecastModel.refit(t.seed(), next, cache);
        double cachedCpu = (mx.getCurrentThreadCpuTime() - k) / 1e6;
        double cachedWall = (System.nanoTime() - k2) / 1e6;
        double[] sorted = warm.clone();
        Arrays.sort(sorted);
        double[] sortedCpu = warmCpu.clone();
        Arrays.sort(sortedCpu);
        System.out.printf(Locale.ROOT, "%s planned: select %.1f ms; warm refit median %.1f ms (all %s); parts: "
                        + "refit %.1f, final %.1f, curve %.1f, what-ifs %.1f ms; %d own points%n", label, selectMs,
                sorted[sorted.length / 2], Arrays.toString(Arrays.stream(warm).map(x -> Math.round(x * 10) / 10.0)
                        .toArray()), (d - c) / 1e6, (e - d) / 1e6, (g - e) / 1e6, (h - g) / 1e6,
                t.lossSteps().length);
        System.out.printf(Locale.ROOT, "%s planned: warm refit CPU median %.1f ms (all %s); refit with the references "
                        + "cached: %.1f ms wall, %.1f ms CPU%n", label, sortedCpu[sortedCpu.length / 2],
                Arrays.toString(Arrays.stream(warmCpu).map(x -> Math.round(x * 10) / 10.0).toArray()), cachedWall,
                cachedCpu);
        System.out.printf(Locale.ROOT, "%s planned: warm refit with the task's cache (as the job): median %.1f ms wall, "
                        + "%.1f ms CPU (CPU all %s)%n", label, median(cached[0]), median(cached[1]),
                Arrays.toString(Arrays.stream(cached[1]).map(x -> Math.round(x * 10) / 10.0).toArray()));
    }

    /** Wall and CPU ms of each warm refit of the run from {@code start}, through {@code curves} (null: none). */
    static double[][] warmLoop(byte[] start, long startStep, List<RunObservations> refs, Run run, int every,
                               ForecastSettings settings, PreparedCurveCache curves) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        RunTracker t = RunTracker.fromBytes(start);
        long step = startStep;
        double[] wall = new double[settings.fullSelectEvery() - 1];
        double[] cpu = new double[wall.length];
        for (int i = 0; i < wall.length; i++) {
            for (long end = step + every; step < end; step++) {
                t.observe(step, run.lr()[(int) step], run.loss()[(int) step], step);
            }
            t = RunTracker.fromBytes(t.toBytes());
            long b = System.nanoTime();
            long bc = mx.getCurrentThreadCpuTime();
            LiveForecast f = curves == null ? t.forecast(refs, settings) : t.forecast(refs, settings, curves);
            cpu[i] = (mx.getCurrentThreadCpuTime() - bc) / 1e6;
            wall[i] = (System.nanoTime() - b) / 1e6;
            if (f.status() != Status.OK) {
                throw new IllegalStateException(f.status() + " " + f.issues());
            }
        }
        return new double[][] {wall, cpu};
    }

    static double median(double[] x) {
        double[] s = x.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
