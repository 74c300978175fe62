package dev.runlaw.math.fit;

import dev.runlaw.math.law.LossLaw;
import dev.runlaw.math.law.PreparedCurve;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A law's schedule terms ({@link PreparedCurve}) at the post-warmup steps of runs, kept across the fits that share
 * the same {@link RunObservations} objects: the full fit and the validation folds of one
 * {@code ForecastModel.select} (each run is otherwise prepared once per fold it is in, and again to score it when
 * held out), the copies of an observed run in one fit, or the unchanged reference runs of successive warm refits.
 * Preparation is deterministic, so a fit through the cache gives exactly the numbers it gives without one.
 *
 * <p>Runs are keyed by identity (a new {@code RunObservations} object is a new run, even when equal); at most
 * {@code capacity} runs are kept, the least recently used dropped first. Each run keeps every law variant asked of
 * it (all of a law's {@link LossLaw#variants()} at once, as {@link LossLaw#prepareVariants} computes them). Not
 * thread-safe: one per thread (e.g. per task).
 */
public final class PreparedCurveCache {
    /** Runs kept by {@link #create()}: a family's references and a few observed runs. */
    public static final int DEFAULT_CAPACITY = 16;

    private final LinkedHashMap<Key, RunEntry> byRun;
    private int hits;
    private int misses;

    /**
     * What is kept of one run: its prepared curves by law variant, and whether its LR was annealed by its last
     * fitted step (null until asked: on a per-step schedule that is a scan of the whole run, which every fit of the
     * run would otherwise repeat).
     */
    private static final class RunEntry {
        final Map<String, PreparedCurve> curves = new HashMap<>();
        Boolean annealed;
    }

    private PreparedCurveCache(int capacity) {
        this.byRun = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, RunEntry> eldest) {
                return size() > capacity;
            }
        };
    }

    /** A cache of at most {@link #DEFAULT_CAPACITY} runs. */
    public static PreparedCurveCache create() {
        return withCapacity(DEFAULT_CAPACITY);
    }

    /** A cache of at most {@code capacity} runs. */
    public static PreparedCurveCache withCapacity(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1, got " + capacity);
        }
        return new PreparedCurveCache(capacity);
    }

    /**
     * {@code variant}'s terms at {@code run}'s post-warmup steps (those after {@code run.schedule().peakStep()}, the
     * points a {@link LawFitter} fits), prepared on the first request. When {@code variant} is one of
     * {@code law.variants()}, all of them are prepared together on a miss.
     */
    public PreparedCurve prepared(LossLaw law, LossLaw variant, RunObservations run) {
        Map<String, PreparedCurve> curves = entry(run).curves;
        String key = key(variant);
        PreparedCurve c = curves.get(key);
        if (c != null) {
            hits++;
            return c;
        }
        misses++;
        long[] steps = postWarmupSteps(run);
        List<LossLaw> variants = law.variants();
        int index = -1;
        if (variant.name().equals(law.name())) {
            for (int i = 0; i < variants.size(); i++) {
                if (key(variants.get(i)).equals(key)) {
                    index = i;
                    break;
                }
            }
        }
        if (index < 0) {
            c = variant.prepare(run.schedule(), steps);
            curves.put(key, c);
            return c;
        }
        List<PreparedCurve> all = law.prepareVariants(run.schedule(), steps);
        for (int i = 0; i < variants.size(); i++) {
            curves.putIfAbsent(key(variants.get(i)), all.get(i));
        }
        return curves.get(key);
    }

    /** {@link #prepared(LossLaw, LossLaw, RunObservations)} of {@code variant} alone. */
    public PreparedCurve prepared(LossLaw variant, RunObservations run) {
        return prepared(variant, variant, run);
    }

    /**
     * {@link LawFitter#annealedBy}{@code (run.schedule(), lastFittedStep)}, computed once per run object:
     * {@code lastFittedStep} must be the run's last post-warmup step (what {@link LawFitter#fit(List)} passes), a
     * function of the run, so the answer is too. Not counted in {@link #hits()} / {@link #misses()}.
     */
    boolean annealed(RunObservations run, long lastFittedStep) {
        RunEntry e = entry(run);
        if (e.annealed == null) {
            e.annealed = LawFitter.annealedBy(run.schedule(), lastFittedStep);
        }
        return e.annealed;
    }

    private RunEntry entry(RunObservations run) {
        return byRun.computeIfAbsent(new Key(run), k -> new RunEntry());
    }

    /** Runs currently kept. */
    public int size() {
        return byRun.size();
    }

    /** Requests answered from the cache so far. */
    public int hits() {
        return hits;
    }

    /** Requests that prepared a curve so far. */
    public int misses() {
        return misses;
    }

    /** The steps of {@code run} after its warmup, in order: what {@link LawFitter#fit(List)} fits. */
    static long[] postWarmupSteps(RunObservations run) {
        long peak = run.schedule().peakStep();
        long[] s = run.steps();
        List<Long> out = new ArrayList<>();
        for (long x : s) {
            if (x > peak) {
                out.add(x);
            }
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    private static String key(LossLaw variant) {
        return variant.name() + '\u0000' + variant.hyperParameters();
    }

    /** Identity of a run object. */
    private record Key(RunObservations run) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.run == run;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(run);
        }
    }
}
