package dev.runlaw.math.live;

import dev.runlaw.math.data.RunCurve;
import dev.runlaw.math.fit.RunObservations;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Not a test: wall time of RunTracker.forecast on mpl-25m constant_72000 at 40 % with cosine_24000 and
 * wsd_20000_24000 as references (references rebuilt through LrTrack + LossSummary), per law: the full selection
 * (first forecast, every fullSelectEvery-th) and the warm refit (the others). Run with the test classpath:
 * {@code java -cp ... dev.runlaw.math.live.LiveForecastTiming}.
 */
public final class LiveForecastTiming {
    private LiveForecastTiming() {
    }

    public static void main(String[] args) {
        RunCurve p = Curves.load("25m", "constant_72000");
        long cut = p.firstStep() + (long) Math.floor(0.4 * p.length()) - 1;
        List<RunObservations> refs = new ArrayList<>();
        for (String name : List.of("cosine_24000", "wsd_20000_24000")) {
            refs.add(Curves.viaTrackAndSummary(Curves.load("25m", name)));
        }
        for (String law : new String[] {"momentum", "auto", "momentum", "auto"}) {
            ForecastSettings settings = ForecastSettings.defaults().withLaw(law);
            long t0 = System.nanoTime();
            RunTracker t = RunTracker.create("constant_72000", "mpl-25m");
            t.plan(ScheduleSpec.of("CONSTANT", 2160, 0, 3e-4, 0, 0, 72_000), null, 72_000);
            for (long s = 0; s <= cut; s++) {
                t.observe(s, p.lrAt(s), p.lossAt(s), s);
            }
            double observeUs = (System.nanoTime() - t0) / 1e3 / (cut + 1);
            long[] ms = new long[8];
            for (int i = 0; i < ms.length; i++) {
                // 128 more steps (one more loss point) between forecasts, as the job would see
                for (long s = cut + 1 + 128L * (i - 1); i > 0 && s <= cut + 128L * i; s++) {
                    t.observe(s, p.lrAt(s), p.lossAt(s), s);
                }
                long a = System.nanoTime();
                LiveForecast f = t.forecast(refs, settings);
                ms[i] = (System.nanoTime() - a) / 1_000_000;
                if (f.status() != Status.OK) {
                    throw new IllegalStateException(f.issues().toString());
                }
            }
            List<RunObservations> runs = new ArrayList<>(refs);
            runs.add(t.observations());
            long b = System.nanoTime();
            dev.runlaw.math.forecast.ForecastModel.select(runs, law, true);
            long selectOnly = (System.nanoTime() - b) / 1_000_000;
            System.out.printf(Locale.ROOT, "%-8s ForecastModel.select alone %d ms%n", law, selectOnly);
            System.out.printf(Locale.ROOT, "%-8s observe %.2f us/step; forecast ms: select %d, warm refits %s; state %d B%n",
                    law, observeUs, ms[0], Arrays.toString(Arrays.copyOfRange(ms, 1, ms.length)), t.serializedBytes());
        }
        // A long run: 10^6-step cosine, loss at every step (summary merged to ~1000 buckets), no reference.
        ScheduleSpec spec = ScheduleSpec.of("COSINE", 2000, 0, 3e-4, 3e-5, 2000, 1_000_000);
        dev.runlaw.math.schedule.LrSchedule s = spec.toSchedule();
        java.util.Random rnd = new java.util.Random(8);
        RunTracker t = RunTracker.create("long", "f");
        t.plan(spec, null, 1_000_000);
        for (long step = 0; step < 600_000; step++) {
            t.observe(step, s.lrAt(step), 2.5 + 4 * Math.pow(step + 10, -0.25) + 0.01 * rnd.nextGaussian(), step);
        }
        for (String law : new String[] {"momentum", "auto"}) {
            ForecastSettings settings = ForecastSettings.defaults().withLaw(law);
            long[] ms = new long[3];
            for (int i = 0; i < ms.length; i++) {
                long a = System.nanoTime();
                LiveForecast f = t.forecast(List.of(), settings);
                ms[i] = (System.nanoTime() - a) / 1_000_000;
                if (i == 0) {
                    System.out.println(law + " 10^6-step run at 60 %: " + f.status() + " " + f.law() + " final "
                            + f.finalForecast());
                }
            }
            System.out.printf(Locale.ROOT, "%-8s 10^6-step cosine run at 60%%, %d buckets: forecast ms %s%n", law,
                    t.observations().size(), Arrays.toString(ms));
        }
    }
}
