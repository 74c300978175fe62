package dev.runlaw.cli.cbs;

import dev.runlaw.math.cbs.NoiseScaleEstimate;
import dev.runlaw.math.cbs.NoiseScaleEstimator;
import dev.runlaw.math.cbs.NoiseScaleSettings;
import dev.runlaw.math.cbs.SampleStatus;
import dev.runlaw.math.data.CsvTable;
import dev.runlaw.math.data.RunFormatException;
import java.util.ArrayList;
import java.util.List;

/**
 * Replays one run's squared gradient norms (CSV with a header holding
 * {@code step,grad_sq_norm_small,batch_small,grad_sq_norm_big,batch_big}; other columns ignored) through the live
 * estimator ({@link NoiseScaleEstimator}) and keeps an estimate at the first row reaching each multiple of
 * {@code every} steps and at the last row.
 *
 * <p>Rows whose two norm cells are both empty were not measured and are skipped (as the run format leaves
 * {@code loss} empty). Anything else the estimator would refuse (unparseable, NaN or infinite, negative, a small
 * batch not below the big one, a step not after the previous) is bad input: a {@link RunFormatException} naming
 * the file and line. The live job skips such samples with a status instead; a replay input should be clean.
 */
final class GnsReplay {
    static final String HEADER = "step,grad_sq_norm_small,batch_small,grad_sq_norm_big,batch_big";

    /** A replayed run. */
    record Run(String name, long rows, List<NoiseScaleEstimate> points) {
    }

    private GnsReplay() {
    }

    static Run replay(String name, String source, Iterable<String> lines, long every, NoiseScaleSettings settings) {
        if (every < 1) {
            throw new IllegalArgumentException("--every must be >= 1, got " + every);
        }
        CsvTable t = CsvTable.open(source, lines, HEADER, HEADER.split(","));
        int stepCol = t.column("step");
        int smallCol = t.column("grad_sq_norm_small");
        int bSmallCol = t.column("batch_small");
        int bigCol = t.column("grad_sq_norm_big");
        int bBigCol = t.column("batch_big");
        NoiseScaleEstimator estimator = new NoiseScaleEstimator(settings);
        List<NoiseScaleEstimate> points = new ArrayList<>();
        long next = every;
        long rows = 0;
        boolean pendingLast = false;
        while (t.next()) {
            long step = parseLong(t, stepCol, "step");
            String smallText = t.field(smallCol).trim();
            String bigText = t.field(bigCol).trim();
            if (smallText.isEmpty() && bigText.isEmpty()) {
                continue;
            }
            double small = parseDouble(t, smallCol, "grad_sq_norm_small");
            double big = parseDouble(t, bigCol, "grad_sq_norm_big");
            long batchSmall = parseLong(t, bSmallCol, "batch_small");
            long batchBig = parseLong(t, bBigCol, "batch_big");
            SampleStatus status = estimator.add(step, small, batchSmall, big, batchBig, 0);
            if (status != SampleStatus.ACCEPTED) {
                throw t.error(problem(status, step, batchSmall, batchBig));
            }
            rows++;
            pendingLast = true;
            if (step >= next) {
                points.add(estimator.estimate());
                pendingLast = false;
                next = (step / every + 1) * every;
            }
        }
        if (rows == 0) {
            throw new RunFormatException(source, t.line(), "no row with squared gradient norms");
        }
        if (pendingLast) {
            points.add(estimator.estimate());
        }
        return new Run(name, rows, points);
    }

    private static String problem(SampleStatus status, long step, long batchSmall, long batchBig) {
        return switch (status) {
            case NON_FINITE -> "squared gradient norm is NaN or infinite";
            case NEGATIVE -> "squared gradient norm is negative";
            case BAD_BATCH -> "batch_small must be >= 1 and below batch_big, got " + batchSmall + " and " + batchBig;
            case OUT_OF_ORDER -> "step " + step + " is not after the previous row's step";
            case ACCEPTED -> throw new IllegalStateException("accepted");
        };
    }

    private static long parseLong(CsvTable t, int col, String name) {
        String s = t.field(col).trim();
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw t.error(name + " must be an integer, got '" + s + "'");
        }
    }

    private static double parseDouble(CsvTable t, int col, String name) {
        String s = t.field(col).trim();
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw t.error(name + " must be a number, got '" + s + "'");
        }
    }
}
