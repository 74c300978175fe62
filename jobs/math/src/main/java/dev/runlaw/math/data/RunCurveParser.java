package dev.runlaw.math.data;


/**
 * Parses the project's run format: CSV {@code step,lr,loss} with a header line, one row per optimizer step from
 * step 0 or 1 up to the planned last step, {@code lr} always present, {@code loss} empty where not measured.
 *
 * <p>Pure text parsing; the caller opens the file. Every problem is a {@link RunFormatException} naming the
 * source and the 1-based line number.
 */
public final class RunCurveParser {
    /** Upper bound on rows, so a wrong file cannot exhaust memory: 50 M steps is far beyond any real run. */
    public static final int MAX_ROWS = 50_000_000;

    private RunCurveParser() {
    }

    /**
     * @param source name used in error messages (e.g. the file path)
     * @param name   the run's label
     * @param lines  the file's lines, header first
     */
    public static RunCurve parse(String source, String name, Iterable<String> lines) {
        CsvTable t = CsvTable.open(source, lines, "step,lr,loss", "step", "lr", "loss");
        int cStep = t.column("step");
        int cLr = t.column("lr");
        int cLoss = t.column("loss");
        GrowableDoubles lr = new GrowableDoubles();
        GrowableDoubles loss = new GrowableDoubles();
        long firstStep = -1;
        long prevStep = -1;
        boolean anyLoss = false;
        while (t.next()) {
            int lineNo = t.line();
            long step = parseStep(source, lineNo, t.field(cStep).trim());
            if (firstStep < 0) {
                if (step != 0 && step != 1) {
                    throw new RunFormatException(source, lineNo, "first step must be 0 or 1, got " + step);
                }
                firstStep = step;
            } else if (step != prevStep + 1) {
                throw new RunFormatException(source, lineNo, "steps must increase by 1: " + prevStep + " then " + step);
            }
            prevStep = step;
            if (lr.size() >= MAX_ROWS) {
                throw new RunFormatException(source, lineNo, "more than " + MAX_ROWS + " rows");
            }
            double lrValue = parseNumber(source, lineNo, "lr", t.field(cLr).trim(), false);
            if (lrValue < 0) {
                throw new RunFormatException(source, lineNo, "lr must be >= 0, got " + lrValue);
            }
            double lossValue = parseNumber(source, lineNo, "loss", t.field(cLoss).trim(), true);
            if (!Double.isNaN(lossValue)) {
                if (lossValue <= 0) {
                    throw new RunFormatException(source, lineNo, "loss must be > 0, got " + lossValue);
                }
                anyLoss = true;
            }
            lr.add(lrValue);
            loss.add(lossValue);
        }
        if (lr.size() == 0) {
            throw new RunFormatException(source, t.line(), "no data rows");
        }
        if (!anyLoss) {
            throw new RunFormatException(source, t.line(), "no loss values: every loss cell is empty");
        }
        return new RunCurve(name, firstStep, lr.toArray(), loss.toArray());
    }

    private static long parseStep(String source, int lineNo, String s) {
        try {
            long step = Long.parseLong(s);
            if (step < 0) {
                throw new RunFormatException(source, lineNo, "step must be >= 0, got " + step);
            }
            return step;
        } catch (NumberFormatException e) {
            throw new RunFormatException(source, lineNo, "step is not an integer: '" + s + "'");
        }
    }

    private static double parseNumber(String source, int lineNo, String col, String s, boolean emptyAllowed) {
        if (s.isEmpty()) {
            if (emptyAllowed) {
                return Double.NaN;
            }
            throw new RunFormatException(source, lineNo, col + " is empty");
        }
        double v;
        try {
            v = Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw new RunFormatException(source, lineNo, col + " is not a number: '" + s + "'");
        }
        if (!Double.isFinite(v)) {
            throw new RunFormatException(source, lineNo, col + " is not finite: '" + s + "'");
        }
        return v;
    }


    /** Minimal growable primitive array, to avoid boxing millions of rows. */
    private static final class GrowableDoubles {
        private double[] a = new double[1024];
        private int n;

        void add(double v) {
            if (n == a.length) {
                a = java.util.Arrays.copyOf(a, a.length * 2);
            }
            a[n++] = v;
        }

        int size() {
            return n;
        }

        double[] toArray() {
            return java.util.Arrays.copyOf(a, n);
        }
    }
}
