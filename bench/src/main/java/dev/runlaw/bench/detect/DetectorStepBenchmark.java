package dev.runlaw.bench.detect;

import dev.runlaw.math.anomaly.AnomalySettings;
import dev.runlaw.math.anomaly.RunDetectors;
import dev.runlaw.math.anomaly.StepInput;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Cost per step of all run-level detectors of one run ({@link RunDetectors#onStep} with loss, law loss, gradient
 * norm and step time: every rule active) against the OLMo-core rule (mean + 6 sd of the last 128 losses) measured in
 * the same JMH run, over {@value #STEPS} seeded synthetic steps (power-law loss with 3 % log-normal noise and a
 * spike every 1,000 steps, so alerts are opened and resolved too). A fresh detector per invocation; the score is
 * the time per step.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class DetectorStepBenchmark {
    /** Steps per invocation. */
    public static final int STEPS = 100_000;

    /** The synthetic run, built once. */
    @State(Scope.Benchmark)
    public static class Run {
        double[] loss = new double[STEPS];
        double[] law = new double[STEPS];
        double[] grad = new double[STEPS];
        double[] ms = new double[STEPS];

        @Setup(Level.Trial)
        public void build() {
            SplittableRandom rnd = new SplittableRandom(42);
            for (int i = 0; i < STEPS; i++) {
                law[i] = 2 + 4 * Math.pow(1 + i / 100.0, -0.5);
                double noise = Math.exp(0.03 * gaussian(rnd));
                loss[i] = law[i] * noise * (i % 1000 == 999 ? 1.6 : 1);
                grad[i] = Math.exp(0.1 * gaussian(rnd));
                ms[i] = 200 * Math.exp(0.05 * gaussian(rnd));
            }
        }

        private static double gaussian(SplittableRandom r) {
            return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
        }
    }

    @Benchmark
    @OperationsPerInvocation(STEPS)
    public int runlawAllDetectors(Run run) {
        RunDetectors d = RunDetectors.create(AnomalySettings.defaults());
        int events = 0;
        for (int i = 0; i < STEPS; i++) {
            events += d.onStep(new StepInput(i + 1, run.loss[i], run.grad[i], run.ms[i], run.law[i])).size();
        }
        return events;
    }

    @Benchmark
    @OperationsPerInvocation(STEPS)
    public int olmoRule(Run run) {
        BaselineRule r = BaselineRule.olmo();
        int alarms = 0;
        for (int i = 0; i < STEPS; i++) {
            alarms += r.alarm(run.loss[i]) ? 1 : 0;
        }
        return alarms;
    }
}
