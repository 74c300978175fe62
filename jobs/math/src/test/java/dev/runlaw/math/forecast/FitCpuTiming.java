package dev.runlaw.math.forecast;

import dev.runlaw.math.fit.LawFitter;
import dev.runlaw.math.fit.RunObservations;
import dev.runlaw.math.law.MomentumLaw;
import dev.runlaw.math.law.MultiPowerLaw;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Not a test: the CPU time (this thread's, {@link ThreadMXBean}) of the joint fits that {@code runlaw bench
 * forecast-fit} times with JMH (wall time), for a machine so oversubscribed that wall times mostly measure the
 * waiting: best and median over repeated fits after a warm-up. Arguments: data directory (holding
 * {@code mpl-25m/} and {@code mpl-100m/}), repeats (default 100).
 */
public final class FitCpuTiming {
    private FitCpuTiming() {
    }

    public static void main(String[] args) throws Exception {
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        for (String size : new String[] {"mpl-25m", "mpl-100m"}) {
            List<RunObservations> runs = new ArrayList<>();
            for (String n : AccuracyExperiment.FIT) {
                runs.add(RunObservations.of(AccuracyExperiment.load(Path.of(args[0]).resolve(size), n)));
            }
            for (String law : new String[] {"momentum", "momentum-lambda-0.998", "multipower", "auto"}) {
                Runnable fit = switch (law) {
                    case "momentum" -> () -> LawFitter.create(MomentumLaw.create()).fit(runs);
                    case "momentum-lambda-0.998" -> () -> LawFitter.create(MomentumLaw.withLambda(0.998)).fit(runs);
                    case "multipower" -> () -> LawFitter.create(MultiPowerLaw.create()).fit(runs);
                    default -> () -> ForecastModel.select(runs, "auto", false);
                };
                for (int i = 0; i < Math.max(5, reps / 5); i++) {
                    fit.run();
                }
                long[] cpu = new long[reps];
                for (int i = 0; i < reps; i++) {
                    long c0 = mx.getCurrentThreadCpuTime();
                    fit.run();
                    cpu[i] = mx.getCurrentThreadCpuTime() - c0;
                }
                Arrays.sort(cpu);
                System.out.printf(Locale.ROOT, "%-8s %-22s cpu ms: best %.2f median %.2f (%d fits)%n", size, law,
                        cpu[0] / 1e6, cpu[reps / 2] / 1e6, reps);
            }
        }
    }
}
