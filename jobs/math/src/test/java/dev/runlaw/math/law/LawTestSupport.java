package dev.runlaw.math.law;

import dev.runlaw.math.fit.RunObservations;
import dev.runlaw.math.schedule.LrSchedule;
import java.util.Random;
import java.util.stream.LongStream;

/** Synthetic runs from a known law: loss every {@code every} steps after warmup, log-normal noise, seeded. */
public final class LawTestSupport {
    private LawTestSupport() {
    }

    public static RunObservations synthetic(String name, LossLaw law, double[] params, LrSchedule s, int every,
                                            double logNoise, long seed) {
        long[] steps = LongStream.iterate(s.peakStep() + every, t -> t <= s.lastStep(), t -> t + every).toArray();
        double[] clean = law.predict(params, s, steps);
        Random rnd = new Random(seed);
        double[] noisy = new double[clean.length];
        for (int i = 0; i < clean.length; i++) {
            noisy[i] = clean[i] * Math.exp(logNoise * rnd.nextGaussian());
        }
        return new RunObservations(name, s, steps, noisy);
    }
}
