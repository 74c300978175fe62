package dev.runlaw.cli.bench.detect;

import dev.runlaw.math.anomaly.Alert;
import dev.runlaw.math.anomaly.Severity;
import dev.runlaw.math.anomaly.StepTable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Tallies of {@link DetectBench}: recall and delays per detector and kind, false alarms on the controls. */
final class DetectScore {
    /** A baseline's alarms less than this many steps apart are one alarm (runlaw's default cool-down). */
    static final long MERGE_STEPS = 5;

    private static final class Tally {
        int cases;
        int detected;
        final List<Long> delays = new ArrayList<>();
    }

    private final List<String> detectors = new ArrayList<>();
    /** detector index → kind → tally; index 0 runlaw (its kind), 1 runlaw (any kind), then the baselines. */
    private final List<Map<InjectedKind, Tally>> tallies = new ArrayList<>();
    private final long[] alarms;
    private final long[] alarmsOffSpikes;
    private long controlLosses;

    DetectScore(List<String> baselineNames) {
        detectors.add("runlaw");
        detectors.add("runlaw (any alert kind)");
        detectors.addAll(baselineNames);
        for (int i = 0; i < detectors.size(); i++) {
            tallies.add(new EnumMap<>(InjectedKind.class));
        }
        alarms = new long[detectors.size()];
        alarmsOffSpikes = new long[detectors.size()];
    }

    /** An untouched run: every alarm is a false alarm. */
    void control(StepTable clean, List<Alert> alerts, List<long[]> baselineAlarms) {
        int[] rows = AnomalyInjector.lossRows(clean);
        controlLosses += rows.length;
        List<Long> runlaw = alerts.stream()
                .filter(a -> a.severity().compareTo(Severity.WARNING) >= 0).map(Alert::detectedStep).toList();
        count(0, runlaw, clean, rows);
        for (int b = 0; b < baselineAlarms.size(); b++) {
            count(b + 2, merged(baselineAlarms.get(b)), clean, rows);
        }
        alarms[1] = alarms[0];
        alarmsOffSpikes[1] = alarmsOffSpikes[0];
    }

    private void count(int d, List<Long> steps, StepTable clean, int[] rows) {
        for (long s : steps) {
            alarms[d]++;
            if (!naturalSpike(clean, rows, s)) {
                alarmsOffSpikes[d]++;
            }
        }
    }

    private static List<Long> merged(long[] steps) {
        List<Long> out = new ArrayList<>();
        long last = Long.MIN_VALUE / 2;
        for (long s : steps) {
            if (s - last >= MERGE_STEPS) {
                out.add(s);
            }
            last = s;
        }
        return out;
    }

    /** A loss ≥ 1.15× the median of the previous 50 logged losses at the alarm's step or up to 3 losses before. */
    private static boolean naturalSpike(StepTable t, int[] rows, long step) {
        int pos = 0;
        while (pos < rows.length && t.steps()[rows[pos]] <= step) {
            pos++;
        }
        for (int p = Math.max(50, pos - 4); p < pos; p++) {
            double[] w = new double[50];
            for (int q = 0; q < 50; q++) {
                w[q] = t.loss()[rows[p - 50 + q]];
            }
            Arrays.sort(w);
            if (t.loss()[rows[p]] >= 1.15 * (w[24] + w[25]) / 2) {
                return true;
            }
        }
        return false;
    }

    /** One injected copy: runlaw's WARNING+ alerts, and the baselines' alarm steps (null for timing anomalies). */
    void cases(StepTable clean, AnomalyInjector.Injected inj, List<Alert> alerts, List<long[]> baselineAlarms) {
        this.clean = clean;
        this.cleanRows = AnomalyInjector.lossRows(clean);
        for (Injection c : inj.injections()) {
            tally(0, c, alerts.stream().filter(a -> a.kind() == c.kind().alert()).map(Alert::detectedStep).toList(),
                    inj.table());
            tally(1, c, alerts.stream().map(Alert::detectedStep).toList(), inj.table());
            if (baselineAlarms != null) {
                for (int b = 0; b < baselineAlarms.size(); b++) {
                    tally(b + 2, c, Arrays.stream(baselineAlarms.get(b)).boxed().toList(), inj.table());
                }
            }
        }
    }

    private void tally(int d, Injection c, List<Long> steps, StepTable table) {
        Tally t = tallies.get(d).computeIfAbsent(c.kind(), k -> new Tally());
        t.cases++;
        long first = steps.stream().filter(c::covers).filter(s -> !longWindowAtNaturalSpike(c, s))
                .mapToLong(Long::longValue).min().orElse(-1);
        if (first >= 0) {
            t.detected++;
            long logged = 0;
            for (int i = 0; i < table.size() && table.steps()[i] <= first; i++) {
                if (table.steps()[i] > c.start() && !Double.isNaN(table.loss()[i])) {
                    logged++;
                }
            }
            t.delays.add(logged);
        }
    }

    private StepTable clean;
    private int[] cleanRows;

    /**
     * True for an alarm inside a long anomaly (divergence, plateau, slowdown) that sits on a natural spike of the
     * clean run: it would have fired without the anomaly, so it does not count as detecting it.
     */
    private boolean longWindowAtNaturalSpike(Injection c, long step) {
        boolean longKind = c.kind() == InjectedKind.DIVERGENCE || c.kind() == InjectedKind.PLATEAU
                || c.kind() == InjectedKind.SLOWDOWN;
        return longKind && naturalSpike(clean, cleanRows, step);
    }

    /** The figures as a Markdown table. */
    String table() {
        StringBuilder sb = new StringBuilder();
        sb.append("| detector |");
        for (InjectedKind k : InjectedKind.values()) {
            sb.append(' ').append(k.name().toLowerCase(Locale.ROOT)).append(" |");
        }
        sb.append(" divergence median delay (logged losses) | false alarms / 100k losses (all; off natural spikes) |\n|---|");
        sb.append("---:|".repeat(InjectedKind.values().length + 2)).append('\n');
        for (int d = 0; d < detectors.size(); d++) {
            sb.append("| ").append(detectors.get(d)).append(" |");
            for (InjectedKind k : InjectedKind.values()) {
                Tally t = tallies.get(d).get(k);
                sb.append(t == null ? " n/a |" : String.format(Locale.ROOT, " %.2f (%d/%d) |",
                        (double) t.detected / t.cases, t.detected, t.cases));
            }
            Tally div = tallies.get(d).get(InjectedKind.DIVERGENCE);
            sb.append(div == null || div.delays.isEmpty() ? " - |" : " " + median(div.delays) + " |");
            sb.append(String.format(Locale.ROOT, " %.1f; %.1f (%d; %d in %d) |%n", 1e5 * alarms[d] / controlLosses,
                    1e5 * alarmsOffSpikes[d] / controlLosses, alarms[d], alarmsOffSpikes[d], controlLosses));
        }
        return sb.toString();
    }

    private static long median(List<Long> xs) {
        List<Long> s = new ArrayList<>(xs);
        s.sort(Long::compare);
        return s.get(s.size() / 2);
    }
}
