package dev.runlaw.cli;

import dev.runlaw.local.Await;
import dev.runlaw.local.ClickHouseHttp;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.apache.flink.core.execution.JobClient;

/**
 * Report mode's wait for each predicted run's forecast at its cut, for all runs at once, within one overall bound:
 * the forecast made with the run's plan and its family's references, then its whole curve. Prints what it still
 * waits for, and what it has seen of those runs, every {@link #PROGRESS_MS} ms. A run is settled when its forecast
 * at the cut is complete (scored next), or when that forecast carries no final value (its status says why: a
 * failed fit, too few points); runs still open when the bound passes, or when the job stops, get a status saying
 * what was last seen instead of failing the whole report.
 */
final class CutForecasts {
    /** How often the wait prints what it still waits for. */
    static final long PROGRESS_MS = 10_000;

    /** What became of one run's forecast at the cut. */
    enum State { WAITING, READY, NO_FINAL_FORECAST, TIMED_OUT, JOB_STOPPED }

    /** One predicted run: its id, the step the forecast is read at, the planned final step it must forecast. */
    static final class Watch {
        final String run;
        final long cut;
        final long plannedEnd;
        State state = State.WAITING;
        /** What the last poll saw, for progress lines and the status of an unscored run. */
        String seen = "no forecast yet";
        private long lastCurveCount = -1;

        Watch(String run, long cut, long plannedEnd) {
            this.run = run.replace("'", "");
            this.cut = cut;
            this.plannedEnd = plannedEnd;
        }

        boolean open() {
            return state == State.WAITING;
        }

        /** One look at ClickHouse; settles the run when its forecast at the cut is complete or final without a value. */
        void poll(ClickHouseHttp http, int references) {
            List<List<String>> f = http.query("SELECT status, planned_final_step, length(reference_runs),"
                    + " final_pred IS NULL, arrayStringConcat(issues, ' | ') FROM forecasts FINAL WHERE run_id = '"
                    + run + "' AND step = " + cut);
            if (f.isEmpty()) {
                List<List<String>> newest = http.query("SELECT max(step), argMax(status, step), count() FROM forecasts"
                        + " FINAL WHERE run_id = '" + run + "'");
                seen = newest.isEmpty() || "0".equals(newest.get(0).get(2)) ? "no forecast yet"
                        : "newest forecast at step " + newest.get(0).get(0) + " (" + newest.get(0).get(1) + ")";
                lastCurveCount = -1;
                return;
            }
            List<String> row = f.get(0);
            String status = row.get(0);
            long planned = Long.parseLong(row.get(1));
            int refs = Integer.parseInt(row.get(2));
            if (planned != plannedEnd || refs < references) {
                // Made before the run's RunStarted or its references reached the job: the job forecasts it again.
                seen = String.format(Locale.ROOT, "forecast at step %d made without its plan or references (%s,"
                        + " planned final step %d of %d, %d of %d references)", cut, status, planned, plannedEnd,
                        refs, references);
                lastCurveCount = -1;
                return;
            }
            if ("1".equals(row.get(3))) {
                state = State.NO_FINAL_FORECAST;
                seen = status + ": " + row.get(4);
                return;
            }
            List<String> curve = http.query("SELECT count(), max(step) FROM forecast_curves FINAL WHERE run_id = '"
                    + run + "' AND forecast_step = " + cut).get(0);
            long n = Long.parseLong(curve.get(0));
            long last = n == 0 ? -1 : Long.parseLong(curve.get(1));
            // The curve goes to its own table in its own insert: complete once it reaches the planned final step
            // and no more rows arrive between two polls.
            if (n > 0 && last == plannedEnd && n == lastCurveCount) {
                state = State.READY;
            }
            lastCurveCount = n;
            seen = String.format(Locale.ROOT, "forecast at step %d (%s), curve %d point(s)", cut, status, n);
        }

        /** The status of a run that was not scored, e.g. {@code TIMED_OUT: newest forecast at step 5120 (OK)}. */
        String status() {
            return state + ": " + seen;
        }
    }

    private CutForecasts() {
    }

    /**
     * Polls until every watch is settled, {@code timeout} passes, or the job stops; never throws for those: the open
     * runs become {@link State#TIMED_OUT} or {@link State#JOB_STOPPED} (with the job's root cause).
     *
     * @param references the references each forecast must have used
     */
    static void await(LocalStack stack, JobClient job, List<Watch> watches, int references, Duration timeout,
                      PrintStream out) throws InterruptedException {
        CompletableFuture<?> result = job.getJobExecutionResult();
        long t0 = System.nanoTime();
        long[] lastPrint = {t0};
        String[] stopped = {null};
        try {
            Await.until(timeout, () -> "the forecasts at the cut of " + names(watches, true), () -> {
                for (Watch w : watches) {
                    if (w.open()) {
                        w.poll(stack.http(), references);
                    }
                }
                long now = System.nanoTime();
                if (now - lastPrint[0] >= PROGRESS_MS * 1_000_000) {
                    lastPrint[0] = now;
                    out.println(progress(watches, (now - t0) / 1_000_000_000));
                }
                if (watches.stream().noneMatch(Watch::open)) {
                    return true;
                }
                if (result.isDone()) {
                    stopped[0] = JobWait.stopped(result, "forecasts").getMessage();
                    return true;
                }
                return false;
            });
        } catch (Await.TimeoutException e) {
            for (Watch w : watches) {
                if (w.open()) {
                    w.state = State.TIMED_OUT;
                    w.seen = "after " + timeout.toSeconds() + " s: " + w.seen;
                }
            }
            return;
        }
        for (Watch w : watches) {
            if (w.open()) {
                w.state = State.JOB_STOPPED;
                w.seen = stopped[0] + "; last seen: " + w.seen;
            }
        }
    }

    /** One progress line: how many runs are settled and, for each open one, what the last poll saw. */
    static String progress(List<Watch> watches, long seconds) {
        long done = watches.stream().filter(w -> !w.open()).count();
        return String.format(Locale.ROOT, "  [%d:%02d] forecasts at the cut: %d of %d runs in; waiting for %s",
                seconds / 60, seconds % 60, done, watches.size(), names(watches, true));
    }

    private static String names(List<Watch> watches, boolean withSeen) {
        List<String> out = new ArrayList<>();
        for (Watch w : watches) {
            if (w.open()) {
                out.add(withSeen ? w.run + " (" + w.seen + ")" : w.run);
            }
        }
        return out.isEmpty() ? "nothing" : out.stream().collect(Collectors.joining(", "));
    }
}
