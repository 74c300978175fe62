package dev.runlaw.math.anomaly;

import dev.runlaw.math.data.CsvTable;
import dev.runlaw.math.data.RunFormatException;

import java.util.Arrays;
import java.util.Locale;

/**
 * The steps of one run as the detect command reads them: CSV with a header naming {@code step,lr,loss} (required)
 * and optionally {@code grad_norm} and {@code step_ms}; other columns are ignored; one row per optimizer step, steps
 * strictly increasing. Empty cells are absent values (NaN). A loss or gradient norm written {@code nan},
 * {@code inf} or {@code -inf} is a non-finite value the trainer reported: it is stored as
 * {@link Double#POSITIVE_INFINITY} (see {@link StepInput}). Pure text parsing; every problem is a
 * {@link RunFormatException} naming the source and the 1-based line.
 *
 * @param steps    optimizer steps
 * @param lr       learning rate per step
 * @param loss     loss per step (NaN absent, +Inf non-finite)
 * @param gradNorm gradient norm per step (NaN absent, +Inf non-finite)
 * @param stepMs   step duration in ms (NaN absent)
 */
public record StepTable(long[] steps, double[] lr, double[] loss, double[] gradNorm, double[] stepMs) {

    /** Number of rows. */
    public int size() {
        return steps.length;
    }

    /**
     * @param source name for error messages (the file path)
     * @param lines  the file's lines, header first
     */
    public static StepTable parse(String source, Iterable<String> lines) {
        CsvTable t = CsvTable.open(source, lines, "step,lr,loss", "step", "lr", "loss");
        int cStep = t.column("step");
        int cLr = t.column("lr");
        int cLoss = t.column("loss");
        int cGrad = t.column("grad_norm");
        int cMs = t.column("step_ms");
        int cap = 1024;
        long[] steps = new long[cap];
        double[][] v = new double[4][cap];
        int n = 0;
        while (t.next()) {
            int lineNo = t.line();
            if (n == cap) {
                cap *= 2;
                steps = Arrays.copyOf(steps, cap);
                for (int k = 0; k < 4; k++) {
                    v[k] = Arrays.copyOf(v[k], cap);
                }
            }
            long step;
            try {
                step = Long.parseLong(t.field(cStep).trim());
            } catch (NumberFormatException e) {
                throw new RunFormatException(source, lineNo, "step '" + t.field(cStep).trim() + "' is not an integer");
            }
            if (n > 0 && step <= steps[n - 1]) {
                throw new RunFormatException(source, lineNo, "step " + step + " does not increase (previous "
                        + steps[n - 1] + ")");
            }
            steps[n] = step;
            v[0][n] = number(source, lineNo, "lr", t.field(cLr), false);
            if (!Double.isFinite(v[0][n])) {
                throw new RunFormatException(source, lineNo, "lr must be a finite number, got '" + t.field(cLr).trim()
                        + "'");
            }
            v[1][n] = number(source, lineNo, "loss", t.field(cLoss), true);
            v[2][n] = cGrad < 0 ? Double.NaN : number(source, lineNo, "grad_norm", t.field(cGrad), true);
            v[3][n] = cMs < 0 ? Double.NaN : number(source, lineNo, "step_ms", t.field(cMs), false);
            if (v[3][n] < 0 || Double.isInfinite(v[3][n])) {
                throw new RunFormatException(source, lineNo, "step_ms must be a finite number >= 0, got '"
                        + t.field(cMs).trim() + "'");
            }
            n++;
        }
        return new StepTable(Arrays.copyOf(steps, n), Arrays.copyOf(v[0], n), Arrays.copyOf(v[1], n),
                Arrays.copyOf(v[2], n), Arrays.copyOf(v[3], n));
    }

    private static double number(String source, int line, String col, String cell, boolean nonFiniteAllowed) {
        String t = cell.trim();
        if (t.isEmpty()) {
            return Double.NaN;
        }
        String l = t.toLowerCase(Locale.ROOT);
        if (l.equals("nan") || l.equals("inf") || l.equals("+inf") || l.equals("-inf") || l.equals("infinity")
                || l.equals("-infinity")) {
            if (!nonFiniteAllowed) {
                throw new RunFormatException(source, line, col + " must be finite, got '" + t + "'");
            }
            return Double.POSITIVE_INFINITY;
        }
        try {
            return Double.parseDouble(t);
        } catch (NumberFormatException e) {
            throw new RunFormatException(source, line, col + " '" + t + "' is not a number");
        }
    }
}
