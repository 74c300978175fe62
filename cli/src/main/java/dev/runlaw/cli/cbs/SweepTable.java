package dev.runlaw.cli.cbs;

import dev.runlaw.math.data.CsvTable;
import dev.runlaw.math.data.RunFormatException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A sweep file: CSV with a header holding {@code group,target_loss,batch_size,steps}, one row per group and batch
 * size (other columns ignored): the steps each run of a group needed to reach the group's target loss. Groups keep
 * the file's order. Malformed rows, a second row for the same group and batch, a group whose target loss changes,
 * or a group with fewer than 3 batch sizes are {@link RunFormatException}s naming the file and line.
 */
record SweepTable(Map<String, Group> groups) {
    static final String HEADER = "group,target_loss,batch_size,steps";

    /** One group's runs. */
    record Group(String name, double targetLoss, int firstLine, List<double[]> batchAndSteps) {
        double[] batches() {
            return batchAndSteps.stream().mapToDouble(r -> r[0]).toArray();
        }

        double[] steps() {
            return batchAndSteps.stream().mapToDouble(r -> r[1]).toArray();
        }
    }

    static SweepTable parse(String source, Iterable<String> lines) {
        CsvTable t = CsvTable.open(source, lines, HEADER, HEADER.split(","));
        int groupCol = t.column("group");
        int targetCol = t.column("target_loss");
        int batchCol = t.column("batch_size");
        int stepsCol = t.column("steps");
        Map<String, Group> groups = new LinkedHashMap<>();
        while (t.next()) {
            String name = t.field(groupCol).trim();
            if (name.isEmpty()) {
                throw t.error("group is empty");
            }
            double target = positive(t, targetCol, "target_loss");
            double batch = positive(t, batchCol, "batch_size");
            double steps = positive(t, stepsCol, "steps");
            Group g = groups.computeIfAbsent(name, n -> new Group(n, target, t.line(), new ArrayList<>()));
            if (g.targetLoss() != target) {
                throw t.error("group " + name + " has target_loss " + g.targetLoss() + " at line " + g.firstLine()
                        + " but " + target + " here: one target per group");
            }
            for (double[] r : g.batchAndSteps()) {
                if (r[0] == batch) {
                    throw t.error("group " + name + " already has a row for batch_size " + t.field(batchCol).trim());
                }
            }
            g.batchAndSteps().add(new double[] {batch, steps});
        }
        if (groups.isEmpty()) {
            throw new RunFormatException(source, t.line(), "no rows; expected header " + HEADER + " and one row per "
                    + "group and batch size");
        }
        for (Group g : groups.values()) {
            if (g.batchAndSteps().size() < 3) {
                throw new RunFormatException(source, g.firstLine(), "group " + g.name() + " has "
                        + g.batchAndSteps().size() + " batch size(s); the steps-versus-batch law needs at least 3");
            }
        }
        return new SweepTable(groups);
    }

    private static double positive(CsvTable t, int col, String name) {
        String s = t.field(col).trim();
        double v;
        try {
            v = Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw t.error(name + " must be a number, got '" + s + "'");
        }
        if (!(v > 0) || Double.isInfinite(v)) {
            throw t.error(name + " must be finite and > 0, got '" + s + "'");
        }
        return v;
    }
}
