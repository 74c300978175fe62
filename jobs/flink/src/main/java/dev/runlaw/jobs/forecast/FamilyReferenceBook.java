package dev.runlaw.jobs.forecast;

import dev.runlaw.math.fit.PreparedCurveCache;
import dev.runlaw.math.fit.RunObservations;
import dev.runlaw.math.live.LrTrack;
import dev.runlaw.schema.RunReference;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The finished runs a forecast task may use as references, by family: each decoded once (record and fitter input)
 * and shared by every run the task forecasts.
 *
 * <p><b>Bounds.</b> At most {@code perFamily} runs per family (the most recent by {@code finished_at_ms}, run id to
 * break ties: the same order the forecasts use, so a kept set loses nothing a forecast would use) and at most
 * {@code total} runs over all families (the least recent go first). The kept set depends only on the references
 * seen, not on their arrival order: keeping the top of each family and then the top overall commutes with adding
 * one reference at a time. {@link #add} says which run ids to drop from the job's broadcast state, so that state is
 * bounded the same way.
 *
 * <p><b>Prepared curves.</b> The book also keeps the law's schedule terms of its references
 * ({@link #preparedCurves()}, at most {@value #PREPARED_RUNS} runs, least recently used dropped first), so a warm
 * refit reuses them instead of preparing every reference again: the forecasts are exactly the same, the references
 * being the same objects from refit to refit. The observed run of each refit is a new object and passes through the
 * same cache, so the limit is set well above a family's {@code perFamily}.
 *
 * <p>Pure (no Flink types, no clock), not thread-safe: one per operator instance.
 */
public final class FamilyReferenceBook {
    /** Most recent first, then by run id. */
    private static final Comparator<Entry> RECENT_FIRST = Comparator
            .comparingLong((Entry e) -> e.reference.getFinishedAtMs()).reversed()
            .thenComparing(e -> e.reference.getRunId());

    /**
     * A family's references for one run, most recent first.
     *
     * @param runIds       the references usable by the fitter, in the order of {@code observations}
     * @param observations their fitter input
     * @param bestSibling  the reference with the lowest final loss (null when none has one)
     */
    public record FamilyReferences(List<String> runIds, List<RunObservations> observations, RunReference bestSibling) {
        public FamilyReferences {
            runIds = List.copyOf(runIds);
            observations = List.copyOf(observations);
        }
    }

    /**
     * What {@link #add} changed.
     *
     * @param kept    the new reference is kept (store it)
     * @param dropped run ids no longer kept (remove them from the store)
     */
    public record Change(boolean kept, List<String> dropped) {
    }

    private record Entry(RunReference reference, RunObservations observations) {
    }

    /** Runs whose prepared curves are kept (references and recent observed runs). */
    public static final int PREPARED_RUNS = 32;

    private final int perFamily;
    private final int total;
    private final PreparedCurveCache prepared = PreparedCurveCache.withCapacity(PREPARED_RUNS);
    private final Map<String, Entry> byRun = new HashMap<>();
    private final Map<String, TreeSet<Entry>> byFamily = new HashMap<>();
    private final TreeSet<Entry> all = new TreeSet<>(RECENT_FIRST);

    /**
     * @param perFamily runs kept per family (0 keeps none)
     * @param total     runs kept over all families
     */
    public FamilyReferenceBook(int perFamily, int total) {
        if (perFamily < 0 || total < 0) {
            throw new IllegalArgumentException("bounds must be >= 0, got " + perFamily + ", " + total);
        }
        this.perFamily = perFamily;
        this.total = total;
    }

    /** Adds (or replaces, by run id) a finished run and applies the bounds. */
    public Change add(RunReference r) {
        List<String> dropped = new ArrayList<>();
        Entry old = byRun.remove(r.getRunId());
        if (old != null) {
            unlink(old);
        }
        Entry e = new Entry(r, observations(r));
        byRun.put(r.getRunId(), e);
        byFamily.computeIfAbsent(r.getFamilyId(), f -> new TreeSet<>(RECENT_FIRST)).add(e);
        all.add(e);
        TreeSet<Entry> family = byFamily.get(r.getFamilyId());
        while (family.size() > perFamily) {
            drop(family.last(), dropped);
        }
        while (all.size() > total) {
            drop(all.last(), dropped);
        }
        return new Change(byRun.get(r.getRunId()) == e, dropped);
    }

    /** The references of {@code familyId} for run {@code runId} (itself excluded); none for an empty family. */
    public FamilyReferences forRun(String familyId, String runId) {
        List<String> ids = new ArrayList<>();
        List<RunObservations> obs = new ArrayList<>();
        RunReference best = null;
        TreeSet<Entry> family = familyId == null || familyId.isEmpty() ? null : byFamily.get(familyId);
        if (family != null) {
            for (Entry e : family) {
                RunReference r = e.reference;
                if (r.getRunId().equals(runId)) {
                    continue;
                }
                if (e.observations != null) {
                    ids.add(r.getRunId());
                    obs.add(e.observations);
                }
                if (r.getFinalLoss() != null && (best == null || r.getFinalLoss() < best.getFinalLoss())) {
                    best = r;
                }
            }
        }
        return new FamilyReferences(ids, obs, best);
    }

    /** The references' prepared curves, to pass to {@code RunTracker.forecast}. */
    public PreparedCurveCache preparedCurves() {
        return prepared;
    }

    /** References kept, over all families. */
    public int size() {
        return all.size();
    }

    /** Whether run {@code runId} is kept. */
    public boolean contains(String runId) {
        return byRun.containsKey(runId);
    }

    private void drop(Entry e, List<String> dropped) {
        byRun.remove(e.reference.getRunId());
        unlink(e);
        dropped.add(e.reference.getRunId());
    }

    private void unlink(Entry e) {
        all.remove(e);
        TreeSet<Entry> family = byFamily.get(e.reference.getFamilyId());
        if (family != null) {
            family.remove(e);
            if (family.isEmpty()) {
                byFamily.remove(e.reference.getFamilyId());
            }
        }
    }

    /** The fitter input of a reference, or null when its curve cannot be used (kept for the best-sibling target). */
    static RunObservations observations(RunReference r) {
        try {
            long[] ks = r.getLrKnotSteps().stream().mapToLong(Long::longValue).toArray();
            double[] kv = r.getLrKnotValues().stream().mapToDouble(Double::doubleValue).toArray();
            long[] steps = r.getLossSteps().stream().mapToLong(Long::longValue).toArray();
            double[] losses = r.getLosses().stream().mapToDouble(Double::doubleValue).toArray();
            return new RunObservations(r.getRunId(), LrTrack.of(ks, kv).toSchedule(), steps, losses);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
