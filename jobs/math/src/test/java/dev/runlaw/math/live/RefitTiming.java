package dev.runlaw.math.live;

import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Not a test: wall time of one warm momentum refit ({@link RunTracker#forecast}) of a run planned as a cosine over
 * 20 000, 200 000 and 2 000 000 steps, observed with a loss every step up to about step 1 500 (refits every 10 points,
 * 32 curve points, 3 decay-at what-ifs plus decay-now, state round-tripped through {@code toBytes}/{@code fromBytes}
 * between refits as a RocksDB-backed job does). Prints the time per refit with and without the round trip and the
 * state size. Run with the test classpath:
 * {@code java -cp jobs/math/target/classes:jobs/math/target/test-classes:<hipparchus> dev.runlaw.math.live.RefitTiming
 * [law] [steps] [planned ...]}.
 */
public final class RefitTiming {
    private RefitTiming() {
    }

    public static void main(String[] args) {
        String law = args.length > 0 ? args[0] : "momentum";
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 1_500;
        long[] planned = {20_000, 200_000, 2_000_000};
        if (args.length > 2) {
            planned = new long[args.length - 2];
            for (int i = 2; i < args.length; i++) {
                planned[i - 2] = Long.parseLong(args[i]);
            }
        }
        // One untimed round for the JIT, then five timed rounds per plan length; median and best reported.
        for (long p : planned) {
            run(p, law, steps);
        }
        for (long p : planned) {
            double[] refit = new double[5];
            double[] trip = new double[5];
            long bytes = 0;
            for (int r = 0; r < refit.length; r++) {
                double[] m = run(p, law, steps);
                refit[r] = m[0];
                trip[r] = m[1];
                bytes = (long) m[2];
            }
            java.util.Arrays.sort(refit);
            java.util.Arrays.sort(trip);
            System.out.printf(Locale.ROOT, "planned %9d law %-8s: warm refit median %.3f ms (best %.3f), "
                    + "toBytes/fromBytes median %.3f ms; state %d B (run observed to step %d, refits timed over its "
                    + "second half)%n", p, law, refit[2], refit[0], trip[2], bytes, steps - 1);
        }
    }

    /** Mean ms per refit, mean ms per state round trip, state bytes. */
    private static double[] run(long planned, String law, int steps) {
        ScheduleSpec spec = new ScheduleSpec("COSINE", 50, 0, 3e-4, 3e-5, 50, planned, new long[0], 0.1, 0);
        ForecastSettings fs = new ForecastSettings(law, 32, new double[] {0.5, 0.7, 0.9}, 0, 8);
        // Warm-up of the JIT and of the tracker: the first half of the run, untimed.
        RunTracker t = RunTracker.create("b", "b");
        t.plan(spec, null, planned);
        SplittableRandom rnd = new SplittableRandom(1);
        double s1 = 0;
        long forecastNs = 0;
        long roundTripNs = 0;
        int n = 0;
        for (int s = 0; s < steps; s++) {
            double eta = s < 50 ? 3e-4 * s / 49 : 3e-5 + 0.5 * 2.7e-4 * (1 + Math.cos(Math.PI * (s - 50) / (planned - 50)));
            s1 += s < 50 ? 3e-4 : eta;
            t.observe(s, eta, 2.0 + 2.4 * Math.pow(s1, -0.4) * (1 + 0.003 * rnd.nextGaussian()), 0);
            if (s % 10 == 9 && s > 100) {
                long a = System.nanoTime();
                LiveForecast f = t.forecast(List.of(), fs);
                long b = System.nanoTime();
                t = RunTracker.fromBytes(t.toBytes());
                long c = System.nanoTime();
                if (s > steps / 2) {
                    forecastNs += b - a;
                    roundTripNs += c - b;
                    n++;
                }
                if (f.status() != Status.OK && s > steps / 2) {
                    throw new IllegalStateException(f.status() + " " + f.issues());
                }
            }
        }
        return new double[] {forecastNs / 1e6 / n, roundTripNs / 1e6 / n, t.serializedBytes()};
    }
}
