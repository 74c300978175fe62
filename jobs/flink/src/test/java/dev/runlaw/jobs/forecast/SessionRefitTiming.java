package dev.runlaw.jobs.forecast;

import dev.runlaw.schema.DecayKind;
import dev.runlaw.schema.LrScheduleSpec;
import dev.runlaw.schema.ModelFacts;
import dev.runlaw.schema.RunStarted;
import dev.runlaw.schema.StepMetrics;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A main, not a test: the forecast operator's own CPU cost per refit without Flink, for the runs of
 * {@code ./runlaw bench forecast} (cosine plan of 200,000 steps as a spec, a loss at every step, law momentum, a refit
 * every 10 losses, what-ifs 0.5/0.7/0.9), with and without the {@link TrackerCache}, the arms interleaved. Per run and
 * step it does what {@link RunForecastFunction} does: a {@link RunSession} on the run's store, compute, commit. The
 * store either keeps references (as the heap state backend) or copies the bytes on every read and write (as RocksDB
 * does, without its lookups). Thread CPU time, so the figure is much less sensitive to the machine's load than wall
 * time. Usage: {@code SessionRefitTiming [runs=200] [steps=600] [rounds=3]}.
 */
public final class SessionRefitTiming {
    private static final long PLANNED = 200_000;
    private static final long WARMUP = 50;
    private static final double PEAK = 3e-4;

    private SessionRefitTiming() {
    }

    /** A store that copies bytes in and out, as a serializing state backend would. */
    static final class CopyingStore extends MemoryStoreAccess {
        @Override
        public byte[] tracker() {
            byte[] b = super.tracker();
            return b == null ? null : b.clone();
        }

        @Override
        public void tracker(byte[] bytes) {
            super.tracker(bytes.clone());
        }
    }

    /** Package access to {@link MemoryStore} for subclassing. */
    static class MemoryStoreAccess implements RunStateStore {
        private final MemoryStore m = new MemoryStore();

        @Override
        public byte[] tracker() {
            return m.tracker();
        }

        @Override
        public void tracker(byte[] bytes) {
            m.tracker(bytes);
        }

        @Override
        public RunControl control() {
            return m.control();
        }

        @Override
        public void control(RunControl c) {
            m.control(c);
        }

        @Override
        public Iterable<PendingStep> pending() {
            return m.pending();
        }

        @Override
        public void addPending(PendingStep step) {
            m.addPending(step);
        }

        @Override
        public void clearPending() {
            m.clearPending();
        }

        @Override
        public void clear() {
            m.clear();
        }
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 600;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        System.out.printf(Locale.ROOT, "%d runs x %d steps, refit every 10 losses, load average %.1f%n", runs, steps,
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        for (int round = 1; round <= rounds; round++) {
            for (boolean copying : new boolean[] {false, true}) {
                // Interleaved, the order reversed every other round.
                int[] caches = round % 2 == 1 ? new int[] {0, 4096} : new int[] {4096, 0};
                for (int cache : caches) {
                    double[] r = measure(runs, steps, cache, copying);
                    System.out.printf(Locale.ROOT, "round %d  store %-8s cache %4d: %6d refits, %.3f ms CPU per refit,"
                                    + " %.1f us CPU per other step, %.0f tracker bytes written per refit, load %.1f%n",
                            round, copying ? "copying" : "heap", cache, (long) r[0], r[1], r[2], r[3],
                            ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
                }
            }
        }
    }

    /** [refits, ms CPU per refit, us CPU per non-refit step, tracker bytes written per refit]. */
    static double[] measure(int runs, int steps, int cacheRuns, boolean copying) throws Exception {
        ForecastConfig.Policy p = ForecastTestRuns.config(10, 3_600_000, "forecast.what-if-fractions", "0.5,0.7,0.9",
                "forecast.tracker-cache-runs", Integer.toString(cacheRuns)).policy();
        RunSession.Setup setup = new RunSession.Setup(p, new RunOutputs(p.stopBelow(), p.continueAbove(), "f", "a",
                "r"), new FamilyReferenceBook(p.maxReferences(), p.maxReferencesTotal()), FaultHook.NONE,
                new TrackerCache(p.trackerCacheRuns()));
        Map<String, RunStateStore> stores = new HashMap<>();
        List<String> ids = new ArrayList<>();
        for (int r = 0; r < runs; r++) {
            String id = String.format(Locale.ROOT, "bench-%05d", r);
            ids.add(id);
            RunStateStore s = copying ? new CopyingStore() : new MemoryStoreAccess();
            stores.put(id, s);
            commit(new RunSession(id, s, setup).onStarted(started(id), 0), s);
        }
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        SplittableRandom rnd = new SplittableRandom(42);
        double[] s1 = new double[runs];
        long refitNs = 0;
        long otherNs = 0;
        long refits = 0;
        long others = 0;
        long bytes = 0;
        for (int s = 0; s < steps; s++) {
            double lr = lr(s);
            for (int r = 0; r < runs; r++) {
                s1[r] += s < WARMUP ? PEAK : lr;
                double loss = 2.0 + 0.8 * Math.pow(Math.max(s1[r], 1e-9), -0.4) * 3.0
                        * (1 + 0.003 * rnd.nextGaussian());
                StepMetrics m = StepMetrics.newBuilder().setRunId(ids.get(r)).setStep(s).setWallTimeMs(s * 100L)
                        .setLr(lr).setLoss(loss).build();
                RunStateStore st = stores.get(ids.get(r));
                long t0 = mx.getCurrentThreadCpuTime();
                Transition t = new RunSession(ids.get(r), st, setup).onStep(m, false, s * 100L);
                commit(t, st);
                long dt = mx.getCurrentThreadCpuTime() - t0;
                if (t.emission().forecasts() > 0) {
                    refitNs += dt;
                    refits++;
                    bytes += st.tracker().length;
                } else {
                    otherNs += dt;
                    others++;
                }
            }
        }
        return new double[] {refits, refitNs / 1e6 / Math.max(1, refits), otherNs / 1e3 / Math.max(1, others),
                (double) bytes / Math.max(1, refits)};
    }

    private static void commit(Transition t, RunStateStore s) throws Exception {
        if (t.failure() != null) {
            throw t.failure();
        }
        // What the sinks get: every row and record is built (Avro-encoded) by the session already.
        t.commit(s);
    }

    private static RunStarted started(String id) {
        return RunStarted.newBuilder().setRunId(id).setFamilyId("bench-" + (id.hashCode() % 10)).setStartedAtMs(0)
                .setModel(ModelFacts.newBuilder().build()).setPlannedTotalSteps(PLANNED - 1)
                .setSchedule(LrScheduleSpec.newBuilder().setKind(DecayKind.COSINE).setWarmupSteps(WARMUP)
                        .setPeakLr(PEAK).setMinLr(PEAK / 10).setDecayStartStep(WARMUP).setTotalSteps(PLANNED).build())
                .build();
    }

    private static double lr(long s) {
        return s < WARMUP ? PEAK * s / (WARMUP - 1)
                : PEAK / 10 + 0.5 * (PEAK - PEAK / 10) * (1 + Math.cos(Math.PI * (s - WARMUP) / (PLANNED - WARMUP)));
    }
}
