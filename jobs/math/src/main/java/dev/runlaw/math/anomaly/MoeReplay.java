package dev.runlaw.math.anomaly;

import dev.runlaw.math.data.CsvTable;
import dev.runlaw.math.data.RunFormatException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Replays an expert-load CSV through one {@link LayerDetectors} per layer, row by row, as the live job would see
 * the steps arrive. Format: a header naming {@code step,layer,tokens_per_expert} (any order), optional
 * {@code dropped_tokens} (empty = unknown), other columns ignored; one row per step × layer; {@code tokens_per_expert}
 * = the layer's E counts separated by spaces (index = expert id), E fixed per layer; per layer the steps increase.
 *
 * <p>Pure text processing; the caller opens the file. Every problem is a {@link RunFormatException} naming the
 * source and the 1-based line.
 */
public final class MoeReplay {
    /** Upper bound on experts per layer, so a wrong file cannot exhaust memory. */
    public static final int MAX_EXPERTS = 1 << 16;

    private MoeReplay() {
    }

    /**
     * What a replay saw and raised.
     *
     * @param rows   data rows read
     * @param steps  distinct steps seen
     * @param layers layers seen
     * @param events every OPEN and RESOLVED event in arrival order
     * @param alerts the final state of every alert (RESOLVED if it closed, else OPEN), by layer then detected step
     */
    public record Result(int rows, int steps, int layers, List<Alert> events, List<Alert> alerts) {
    }

    /**
     * Replays {@code lines} (header first).
     *
     * @param source name used in error messages (e.g. the file path)
     */
    public static Result replay(String source, Iterable<String> lines, AnomalySettings settings) {
        CsvTable t = CsvTable.open(source, lines, "step,layer,tokens_per_expert", "step", "layer",
                "tokens_per_expert");
        int cStep = t.column("step");
        int cLayer = t.column("layer");
        int cTokens = t.column("tokens_per_expert");
        // Optional; other columns (aux_loss, ...) are allowed and ignored.
        int cDropped = t.column("dropped_tokens");
        Map<Integer, LayerDetectors> detectors = new TreeMap<>();
        Map<Integer, Long> lastStep = new TreeMap<>();
        List<Alert> events = new ArrayList<>();
        Map<String, Alert> finalState = new LinkedHashMap<>();
        java.util.Set<Long> steps = new java.util.HashSet<>();
        int rows = 0;
        while (t.next()) {
            int lineNo = t.line();
            long step = parseLong(source, lineNo, "step", t.field(cStep));
            long layerL = parseLong(source, lineNo, "layer", t.field(cLayer));
            if (step < 0 || layerL < 0 || layerL > Integer.MAX_VALUE) {
                throw new RunFormatException(source, lineNo, "step and layer must be >= 0, got step " + step
                        + ", layer " + layerL);
            }
            int layer = (int) layerL;
            long[] tokens = parseCounts(source, lineNo, t.field(cTokens));
            long dropped = -1;
            if (cDropped >= 0 && !t.field(cDropped).isBlank()) {
                dropped = parseLong(source, lineNo, "dropped_tokens", t.field(cDropped));
                if (dropped < 0) {
                    throw new RunFormatException(source, lineNo, "dropped_tokens must be >= 0, got " + dropped);
                }
            }
            Long prev = lastStep.get(layer);
            if (prev != null && step <= prev) {
                throw new RunFormatException(source, lineNo, "step " + step + " of layer " + layer
                        + " does not follow step " + prev + " (steps must increase per layer)");
            }
            LayerDetectors d = detectors.computeIfAbsent(layer, l -> new LayerDetectors(l, settings));
            List<Alert> raised;
            try {
                raised = d.onExpertLoad(step, tokens, dropped);
            } catch (IllegalArgumentException e) {
                throw new RunFormatException(source, lineNo, e.getMessage());
            }
            lastStep.put(layer, step);
            steps.add(step);
            rows++;
            for (Alert a : raised) {
                events.add(a);
                finalState.put(a.kind() + "/" + a.layer() + "/" + a.firstStep(), a);
            }
        }
        // The file is the whole run: what is still open ends with it, at each layer's last step.
        for (LayerDetectors d : detectors.values()) {
            for (Alert a : d.closeAll()) {
                events.add(a);
                finalState.put(a.kind() + "/" + a.layer() + "/" + a.firstStep(), a);
            }
        }
        List<Alert> alerts = new ArrayList<>(finalState.values());
        alerts.sort(Comparator.comparingInt(Alert::layer).thenComparingLong(Alert::detectedStep)
                .thenComparing(Alert::kind));
        return new Result(rows, steps.size(), detectors.size(), List.copyOf(events), List.copyOf(alerts));
    }

    private static long parseLong(String source, int line, String column, String text) {
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new RunFormatException(source, line, column + " is not an integer: '" + text + "'");
        }
    }

    private static long[] parseCounts(String source, int line, String text) {
        String t = text.trim();
        if (t.isEmpty()) {
            throw new RunFormatException(source, line, "tokens_per_expert is empty");
        }
        String[] parts = t.split("\\s+");
        if (parts.length > MAX_EXPERTS) {
            throw new RunFormatException(source, line, "more than " + MAX_EXPERTS + " experts: " + parts.length);
        }
        long[] counts = new long[parts.length];
        for (int e = 0; e < parts.length; e++) {
            try {
                counts[e] = Long.parseLong(parts[e]);
            } catch (NumberFormatException ex) {
                throw new RunFormatException(source, line, "tokens_per_expert entry " + e + " is not an integer: '"
                        + parts[e] + "'");
            }
            if (counts[e] < 0) {
                throw new RunFormatException(source, line, "tokens_per_expert entry " + e + " is negative: "
                        + counts[e]);
            }
        }
        return counts;
    }
}
