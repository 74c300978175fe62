package dev.runlaw.cli;

import dev.runlaw.math.data.RunCurve;
import dev.runlaw.producers.RunReplayer;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Prints the forecast job's newest forecast per run, read from ClickHouse, next to where the run really ended
 * (replayed runs are complete, so the truth is known), with the run's newest advice. As a background poller while
 * the demo replays ({@link #start}), one line per new forecast; and as a final table ({@link #print}).
 */
final class ForecastBoard implements AutoCloseable {
    private static final String LATEST = "SELECT run_id, max(step) AS s, argMax(planned_final_step, step),"
            + " argMax(status, step), argMax(final_pred, step), argMax(final_lo90, step), argMax(final_hi90, step)"
            + " FROM forecasts FINAL GROUP BY run_id ORDER BY run_id";
    private static final String ADVICE = "SELECT run_id, argMax(decision, seq), argMax(probability_beats_target, seq),"
            + " argMax(reason, seq) FROM advice FINAL GROUP BY run_id";

    private final LocalStack stack;
    private final Map<String, Double> truths;
    private final PrintStream out;
    private final Thread thread;
    private final Map<String, String> shown = new HashMap<>();
    private volatile boolean stop;

    private ForecastBoard(LocalStack stack, Map<String, Double> truths, PrintStream out) {
        this.stack = stack;
        this.truths = truths;
        this.out = out;
        this.thread = new Thread(this::loop, "runlaw-forecast-board");
        this.thread.setDaemon(true);
    }

    /** Starts polling every second; {@link #close()} stops it. */
    static ForecastBoard start(LocalStack stack, Map<String, Double> truths, PrintStream out) {
        ForecastBoard b = new ForecastBoard(stack, truths, out);
        b.thread.start();
        return b;
    }

    /** The true final loss (last measured) of each complete replay, by run id. */
    static Map<String, Double> truths(List<RunReplayer> replayers) {
        Map<String, Double> m = new TreeMap<>();
        for (RunReplayer r : replayers) {
            RunCurve c = r.curve();
            long[] measured = c.measuredSteps();
            if (r.finishes() && measured.length > 0) {
                m.put(r.runId(), c.lossAt(measured[measured.length - 1]));
            }
        }
        return m;
    }

    private void loop() {
        while (!stop) {
            try {
                // The board's refresh period: it redraws what changed once a second until stopped.
                Thread.sleep(1000);
                Map<String, List<String>> advice = advice(stack);
                for (List<String> row : stack.http().query(LATEST)) {
                    String key = row.get(1);
                    if (!key.equals(shown.put(row.get(0), key))) {
                        synchronized (out) {
                            out.println("  forecast " + line(row, advice.get(row.get(0)), truths));
                        }
                    }
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // The board is a view: a failed poll (stack shutting down) must not end the demo.
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop = true;
        thread.interrupt();
        thread.join(5000);
    }

    /** Prints the newest forecast of every run against its truth. */
    static void print(LocalStack stack, Map<String, Double> truths, PrintStream out) {
        out.println();
        out.println("forecasts (newest per run; final = loss at the planned last step, 90 % interval) and advice:");
        Map<String, List<String>> advice = advice(stack);
        for (List<String> row : stack.http().query(LATEST)) {
            out.println("  " + line(row, advice.get(row.get(0)), truths));
        }
    }

    private static Map<String, List<String>> advice(LocalStack stack) {
        Map<String, List<String>> m = new HashMap<>();
        for (List<String> row : stack.http().query(ADVICE)) {
            m.put(row.get(0), row);
        }
        return m;
    }

    static String line(List<String> f, List<String> advice, Map<String, Double> truths) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-30s step %7s/%-7s %-24s", f.get(0),
                f.get(1), f.get(2), f.get(3)));
        if (f.get(4) != null) {
            double pred = Double.parseDouble(f.get(4));
            sb.append(String.format(Locale.ROOT, " final %.4f [%.4f, %.4f]", pred, Double.parseDouble(f.get(5)),
                    Double.parseDouble(f.get(6))));
            Double truth = truths.get(f.get(0));
            if (truth != null) {
                sb.append(String.format(Locale.ROOT, "  true end %.4f (err %.2f%%)", truth,
                        100 * Math.abs(pred - truth) / truth));
            }
        } else {
            sb.append(" no forecast yet");
        }
        if (advice != null) {
            sb.append("  advice ").append(advice.get(1));
            if (advice.get(2) != null) {
                sb.append(String.format(Locale.ROOT, " (P(beat target) %.2f)", Double.parseDouble(advice.get(2))));
            }
        }
        return sb.toString();
    }
}
