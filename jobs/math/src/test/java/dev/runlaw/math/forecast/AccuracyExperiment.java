package dev.runlaw.math.forecast;

import dev.runlaw.math.data.RunCurve;
import dev.runlaw.math.data.RunCurveParser;
import dev.runlaw.math.fit.RunObservations;
import dev.runlaw.math.schedule.LrSchedule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Not a test: the backtest's two protocols over both reference sizes in one JVM, for quick comparisons of forecast
 * variants while developing (the figures that count come from {@code ./runlaw backtest}). Arguments: data directory
 * (holding {@code mpl-25m/} and {@code mpl-100m/}), law, then {@code paper} or observe fractions.
 */
public final class AccuracyExperiment {
    static final String[] FIT = {"cosine_24000", "constant_24000", "wsdcon_9"};
    static final String[] PAPER_PREDICT = {"constant_72000", "cosine_72000", "wsd_20000_24000", "wsdld_20000_24000",
        "wsdcon_3", "wsdcon_18"};
    static final String[] OBSERVE_PREDICT = {"constant_24000", "constant_72000", "cosine_72000", "wsd_20000_24000",
        "wsdld_20000_24000", "wsdcon_3", "wsdcon_9", "wsdcon_18"};

    private AccuracyExperiment() {
    }

    static RunCurve load(Path dir, String name) throws Exception {
        Path p = dir.resolve(name + ".csv");
        return RunCurveParser.parse(p.toString(), name, Files.readAllLines(p));
    }

    public static void main(String[] args) throws Exception {
        Path data = Path.of(args[0]);
        String law = args[1];
        for (int a = 2; a < args.length; a++) {
            for (String size : new String[] {"mpl-25m", "mpl-100m"}) {
                Path dir = data.resolve(size);
                boolean paper = args[a].equals("paper");
                double f = paper ? 0 : Double.parseDouble(args[a]);
                List<RunObservations> base = new ArrayList<>();
                for (String n : paper ? FIT : new String[] {"cosine_24000"}) {
                    base.add(RunObservations.of(load(dir, n)));
                }
                ForecastModel shared = null;
                long t0 = System.nanoTime();
                double sumPe = 0, maxFe = 0;
                int cov = 0, k = 0;
                StringBuilder sb = new StringBuilder();
                for (String n : paper ? PAPER_PREDICT : OBSERVE_PREDICT) {
                    RunCurve p = load(dir, n);
                    ForecastModel m = paper && shared != null ? shared : BacktestProtocol.select(base, p, f, law);
                    shared = m;
                    LrSchedule sch = BacktestProtocol.schedule(p);
                    long[] steps = BacktestProtocol.scoredSteps(p, sch, f);
                    Forecast[] fc = BacktestProtocol.forecast(m, p, f, steps);
                    double pe = 0;
                    for (int i = 0; i < steps.length; i++) {
                        double t = p.lossAt(steps[i]);
                        pe += Math.abs(fc[i].point() - t) / t;
                    }
                    pe /= steps.length;
                    Forecast last = fc[fc.length - 1];
                    double truth = p.lossAt(steps[steps.length - 1]);
                    double fe = Math.abs(last.point() - truth) / truth;
                    boolean c = last.covers(truth);
                    cov += c ? 1 : 0;
                    sumPe += pe;
                    maxFe = Math.max(maxFe, fe);
                    k++;
                    sb.append(String.format(Locale.ROOT, " %s %.3f/%.3f%s", n, 100 * pe, 100 * fe, c ? "" : "x"));
                }
                System.out.printf(Locale.ROOT, "%-8s %-4s %-10s mean %.4f%% max %.3f%% cov %d/%d %5d ms |%s%n",
                        size, args[a], law, 100 * sumPe / k, 100 * maxFe, cov, k, (System.nanoTime() - t0) / 1_000_000,
                        sb);
                if (paper) {
                    System.out.println("   " + shared.name());
                }
            }
        }
    }
}
