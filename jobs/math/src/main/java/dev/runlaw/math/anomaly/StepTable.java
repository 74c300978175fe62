package dev.runlaw.math.anomaly;

import dev.runlaw.math.data.RunFormatException;

import java.util.Arrays;
import java.util.Iterator;
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
        Iterator<String> it = lines.iterator();
        if (!it.hasNext()) {
            throw new RunFormatException(source, 1, "empty file; expected a header with step,lr,loss");
        }
        String header = it.next();
        if (header.startsWith("\uFEFF")) {
            header = header.substring(1);
        }
        String[] cols = header.trim().split(",", -1);
        int cStep = -1;
        int cLr = -1;
        int cLoss = -1;
        int cGrad = -1;
        int cMs = -1;
        for (int i = 0; i < cols.length; i++) {
            switch (cols[i].trim().toLowerCase(Locale.ROOT)) {
                case "step" -> cStep = i;
                case "lr" -> cLr = i;
                case "loss" -> cLoss = i;
                case "grad_norm" -> cGrad = i;
                case "step_ms" -> cMs = i;
                default -> {
                    // other columns are allowed and ignored
                }
            }
        }
        if (cStep < 0 || cLr < 0 || cLoss < 0) {
            throw new RunFormatException(source, 1, "header must name columns step,lr,loss; got '" + header.trim()
                    + "'");
        }
        int cap = 1024;
        long[] steps = new long[cap];
        double[][] v = new double[4][cap];
        int n = 0;
        int lineNo = 1;
        while (it.hasNext()) {
            String line = it.next();
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split(",", -1);
            if (f.length < cols.length) {
                throw new RunFormatException(source, lineNo, "expected " + cols.length + " fields, got " + f.length);
            }
            if (n == cap) {
                cap *= 2;
                steps = Arrays.copyOf(steps, cap);
                for (int k = 0; k < 4; k++) {
                    v[k] = Arrays.copyOf(v[k], cap);
                }
            }
            long step;
            try {
                step = Long.parseLong(f[cStep].trim());
            } catch (NumberFormatException e) {
                throw new RunFormatException(source, lineNo, "step '" + f[cStep].trim() + "' is not an integer");
            }
            if (n > 0 && step <= steps[n - 1]) {
                throw new RunFormatException(source, lineNo, "step " + step + " does not increase (previous "
                        + steps[n - 1] + ")");
            }
            steps[n] = step;
            v[0][n] = number(source, lineNo, "lr", f[cLr], false);
            if (!Double.isFinite(v[0][n])) {
                throw new RunFormatException(source, lineNo, "lr must be a finite number, got '" + f[cLr].trim()
                        + "'");
            }
            v[1][n] = number(source, lineNo, "loss", f[cLoss], true);
            v[2][n] = cGrad < 0 ? Double.NaN : number(source, lineNo, "grad_norm", f[cGrad], true);
            v[3][n] = cMs < 0 ? Double.NaN : number(source, lineNo, "step_ms", f[cMs], false);
            if (v[3][n] < 0 || Double.isInfinite(v[3][n])) {
                throw new RunFormatException(source, lineNo, "step_ms must be a finite number >= 0, got '"
                        + f[cMs].trim() + "'");
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
