package dev.runlaw.jobs.forecast;

import static dev.runlaw.jobs.forecast.ForecastTestRuns.PLANNED_LAST;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runlaw.math.live.RunTracker;
import dev.runlaw.schema.RunFinished;
import dev.runlaw.schema.RunStarted;
import dev.runlaw.schema.StepMetrics;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

/**
 * The per-task tracker cache: outputs with it equal outputs without it (the cached tracker is the saved bytes' own
 * object), a failed computation leaves no entry behind, and state restored to an earlier snapshot while the same
 * cache lives on is never served from the cache (its stamp no longer matches). Input: the seeded momentum-law run of
 * {@link ForecastTestRuns}.
 */
class TrackerCacheTest {
    private static final String RUN = "run-a";

    /** One run fed through {@link RunSession} with a given cache; collects every emitted record's bytes. */
    private static final class Feeder {
        final MemoryStore store = new MemoryStore();
        final OneFault fault = new OneFault();
        final TrackerCache cache;
        final RunSession.Setup setup;
        final List<String> out = new ArrayList<>();

        Feeder(TrackerCache cache) {
            this.cache = cache;
            ForecastConfig.Policy p = ForecastTestRuns.config(5, 3_600_000).policy();
            setup = new RunSession.Setup(p, new RunOutputs(p.stopBelow(), p.continueAbove(), "f", "a", "r"),
                    new FamilyReferenceBook(p.maxReferences(), p.maxReferencesTotal()), fault, cache);
        }

        Transition feed(SpecificRecord r) throws Exception {
            RunSession s = new RunSession(RUN, store, setup);
            Transition t;
            if (r instanceof StepMetrics m) {
                t = s.onStep(m, false, 0);
            } else if (r instanceof RunStarted st) {
                t = s.onStarted(st, 0);
            } else {
                t = s.onFinished((RunFinished) r, 0);
            }
            for (KafkaOut k : t.emission().records()) {
                out.add(k.topic() + ":" + java.util.HexFormat.of().formatHex(k.value()));
            }
            t.commit(store);
            return t;
        }

        void feedAll(List<? extends SpecificRecord> records) throws Exception {
            for (SpecificRecord r : records) {
                feed(r);
            }
        }
    }

    @Test
    void forecastsWithTheCacheEqualForecastsDecodedFromStateEveryTime() throws Exception {
        Feeder plain = new Feeder(TrackerCache.NONE);
        Feeder cached = new Feeder(new TrackerCache(16));
        plain.feedAll(ForecastTestRuns.run(RUN, PLANNED_LAST));
        cached.feedAll(ForecastTestRuns.run(RUN, PLANNED_LAST));
        // 61 forecasts and a reference: byte for byte the same records.
        assertThat(cached.out).hasSize(62).containsExactlyElementsOf(plain.out);
        assertThat(cached.cache.hits()).as("refits served from the cache").isGreaterThanOrEqualTo(59);
        // The finished run's state is dropped, and so is its cached tracker.
        assertThat(cached.cache.size()).isZero();
        assertThat(plain.store.control.trackerStamp).isZero();
    }

    @Test
    void aFailedRefitLeavesNoCachedTrackerAndLosesNothing() throws Exception {
        Feeder plain = new Feeder(TrackerCache.NONE);
        Feeder cached = new Feeder(new TrackerCache(16));
        for (Feeder f : List.of(plain, cached)) {
            f.feed(ForecastTestRuns.started(RUN, null));
            for (StepMetrics s : ForecastTestRuns.steps(RUN, PLANNED_LAST)) {
                if (s.getStep() == 1440) {
                    // The refit folds the steps into the tracker (the cached object), then fails before its bytes
                    // are saved: the next refit must start from the saved bytes, as without the cache.
                    f.fault.arm(FaultHook.Point.COMMIT);
                    assertThat(f.feed(s).failure()).isNotNull();
                    assertThat(f.cache.size()).as("no entry after a failure").isZero();
                } else {
                    f.feed(s);
                }
            }
        }
        assertThat(cached.out).hasSize(61).containsExactlyElementsOf(plain.out);
        assertThat(cached.cache.hits()).isGreaterThanOrEqualTo(57);
    }

    @Test
    void stateRestoredUnderALivingCacheIsDecodedNotServedStale() throws Exception {
        List<StepMetrics> steps = ForecastTestRuns.steps(RUN, PLANNED_LAST);
        Feeder plain = new Feeder(TrackerCache.NONE);
        plain.feed(ForecastTestRuns.started(RUN, null));
        Feeder cached = new Feeder(new TrackerCache(16));
        cached.feed(ForecastTestRuns.started(RUN, null));
        for (StepMetrics s : steps.subList(0, 1000)) {
            plain.feed(s);
            cached.feed(s);
        }
        // A "checkpoint" after step 999, then the job runs on to step 1999 ...
        byte[] tracker = cached.store.tracker.clone();
        RunControl control = cached.store.control.copy();
        List<PendingStep> pending = new ArrayList<>(cached.store.pending);
        for (StepMetrics s : steps.subList(1000, 2000)) {
            cached.feed(s);
        }
        // ... and the state goes back to the checkpoint while this cache (holding step 1999's tracker) lives on.
        cached.store.tracker = tracker;
        cached.store.control = control;
        cached.store.pending.clear();
        cached.store.pending.addAll(pending);
        cached.out.clear();
        long hits = cached.cache.hits();
        for (StepMetrics s : steps.subList(1000, steps.size())) {
            plain.feed(s);
            cached.feed(s);
        }
        List<String> plainAfter = plain.out.subList(plain.out.size() - cached.out.size(), plain.out.size());
        assertThat(cached.out).isNotEmpty().containsExactlyElementsOf(plainAfter);
        assertThat(cached.cache.misses()).as("the restored state was decoded").isGreaterThanOrEqualTo(1);
        assertThat(cached.cache.hits()).isGreaterThan(hits);
    }

    @Test
    void keepsTheLeastRecentlyUsedRunsUpToItsCapacityAndServesOnlyMatchingStamps() {
        TrackerCache c = new TrackerCache(2);
        RunTracker a = RunTracker.create("a", "");
        RunTracker b = RunTracker.create("b", "");
        RunTracker d = RunTracker.create("d", "");
        long sa = c.nextStamp();
        long sb = c.nextStamp();
        long sd = c.nextStamp();
        assertThat(List.of(sa, sb, sd)).doesNotContain(0L).doesNotHaveDuplicates();
        c.put("a", sa, a);
        c.put("b", sb, b);
        c.put("d", sd, d);
        assertThat(c.size()).isEqualTo(2);
        assertThat(c.take("a", sa)).as("evicted, least recently used").isNull();
        assertThat(c.take("b", sa)).as("another stamp").isNull();
        assertThat(c.take("b", sb)).as("taken out by the failed lookup before").isNull();
        assertThat(c.take("d", sd)).isSameAs(d);
        assertThat(c.take("d", sd)).as("a take removes the entry").isNull();
        assertThat(TrackerCache.NONE.nextStamp()).isZero();
        TrackerCache.NONE.put("a", 5, a);
        assertThat(TrackerCache.NONE.take("a", 5)).isNull();
    }
}
