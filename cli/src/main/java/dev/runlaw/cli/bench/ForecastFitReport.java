package dev.runlaw.cli.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The figures of one {@code runlaw bench forecast-fit} run and their table. Pure: formats what it is given.
 *
 * @param header   lines describing the machine, date and settings
 * @param fits     one row per (model, law) joint fit
 * @param online   the online-update figures
 * @param memory   retained bytes of a fitted online state after several run lengths
 */
public record ForecastFitReport(List<String> header, List<FitRow> fits, Online online, List<MemoryRow> memory) {
    /** Speed-up goal of each law over a SciPy fit of the same law. */
    public static final double SPEEDUP_GOAL = 50;
    /** Speed-up goal of the default law ({@code auto}) over the SciPy momentum baseline measured in the same run. */
    public static final double DEFAULT_LAW_SPEEDUP_GOAL = 20;
    /** Amortised online update goal, microseconds per appended point. */
    public static final double ONLINE_GOAL_US = 1000;
    /** Memory goal per fitted run state, bytes. */
    public static final long MEMORY_GOAL_BYTES = 64 * 1024;
    /**
     * Relative tolerance under which two errors (fit error, PredE) count as equal: 0.1 % of the error itself, i.e.
     * agreement to about three significant digits (0.1260 % vs 0.1261 %).
     */
    public static final double EQUAL_ERROR = 1e-3;

    /**
     * One joint fit.
     *
     * @param model     e.g. mpl-25m
     * @param law       benchmark law name (momentum, momentum-lambda-0.998, multipower)
     * @param chosen    the fitted law's hyper-parameters, e.g. lambda=0.998
     * @param javaMs    JMH mean time per fit, ms
     * @param javaMsErr JMH 99.9 % error half-width, ms (NaN with too few iterations)
     * @param objective sum of Huber(ln Lhat - ln L) at the Java optimum
     * @param fitError  mean |pred - true| / true over the fit points
     * @param predE     mean PredE over the six predicted runs
     * @param scipy     the SciPy baseline this row is compared with, or null
     * @param goal      the speed-up goal over that baseline
     * @param sameLaw   whether the baseline fits the same law (then the errors are compared too)
     */
    public record FitRow(String model, String law, String chosen, double javaMs, double javaMsErr, double objective,
                         double fitError, double predE, ScipyBaseline scipy, double goal, boolean sameLaw) {
        /** A row compared with a baseline of the same law, goal {@link #SPEEDUP_GOAL}. */
        public FitRow(String model, String law, String chosen, double javaMs, double javaMsErr, double objective,
                      double fitError, double predE, ScipyBaseline scipy) {
            this(model, law, chosen, javaMs, javaMsErr, objective, fitError, predE, scipy, SPEEDUP_GOAL, true);
        }

        /** SciPy mean time / Java mean time; NaN without a baseline. */
        public double speedup() {
            return scipy == null ? Double.NaN : scipy.wallSecondsMean() * 1000 / javaMs;
        }

        /**
         * Whether the Java fit's errors are at most the baseline's: fit error and PredE both at most the SciPy
         * figure (within {@link #EQUAL_ERROR}).
         */
        public boolean errorNotWorse() {
            return scipy != null && fitError <= scipy.fitError() * (1 + EQUAL_ERROR)
                    && predE <= scipy.predEMean() * (1 + EQUAL_ERROR);
        }

        /** (Java objective - SciPy objective) / SciPy objective; NaN without a baseline. */
        public double objectiveRelativeDifference() {
            return scipy == null ? Double.NaN : (objective - scipy.objective()) / scipy.objective();
        }
    }

    /**
     * Online-update figures.
     *
     * @param run             the replayed run
     * @param steps           steps appended per replay
     * @param refits          refits per replay (policy: after every measured loss)
     * @param amortisedUs     mean time per appended step, refits included, microseconds
     * @param amortisedUsErr  its error half-width
     * @param appendNs        mean time per appended step without refits, nanoseconds
     * @param appendNsErr     its error half-width
     * @param warmRefitMs     mean time of one warm refit, ms
     * @param warmRefitMsErr  its error half-width
     */
    public record Online(String run, int steps, int refits, double amortisedUs, double amortisedUsErr,
                         double appendNs, double appendNsErr, double warmRefitMs, double warmRefitMsErr) {
    }

    /**
     * Memory of a fitted online run state.
     *
     * @param steps       optimizer steps appended
     * @param storedPoints points (buckets) held
     * @param jolBytes    retained bytes measured with JOL
     * @param engineBytes the engine's own accounting ({@code OnlineRunState.memoryBytes()})
     */
    public record MemoryRow(long steps, int storedPoints, long jolBytes, long engineBytes) {
    }

    /** The report as printed by the command. */
    public String table() {
        StringBuilder sb = new StringBuilder();
        for (String h : header) {
            sb.append(h).append('\n');
        }
        sb.append('\n').append("Joint fit of cosine_24000 + constant_24000 + wsdcon_9 (Huber on log loss, delta 1e-3)\n");
        sb.append(String.format(Locale.ROOT, "%-9s %-22s %-13s %18s %12s %9s %12s %12s %10s %10s %10s %11s%n",
                "model", "law", "chosen", "Java ms", "SciPy 81 ms", "speed-up", "obj Java", "obj vs SciPy",
                "fitE Java", "fitE SciPy", "PredE Java", "PredE SciPy"));
        for (FitRow r : fits) {
            boolean b = r.scipy() != null;
            sb.append(String.format(Locale.ROOT, "%-9s %-22s %-13s %18s %12s %9s %12.6g %12s %9.4f%% %10s %9.4f%% %11s%n",
                    r.model(), r.law(), r.chosen(), meanErr(r.javaMs(), r.javaMsErr()),
                    b ? String.format(Locale.ROOT, "%.0f", r.scipy().wallSecondsMean() * 1000) : "-",
                    b ? String.format(Locale.ROOT, "%.1fx", r.speedup()) : "-",
                    r.objective(), b && r.sameLaw()
                            ? String.format(Locale.ROOT, "%+.1e", r.objectiveRelativeDifference()) : "-",
                    100 * r.fitError(), b ? String.format(Locale.ROOT, "%.4f%%", 100 * r.scipy().fitError()) : "-",
                    100 * r.predE(), b ? String.format(Locale.ROOT, "%.4f%%", 100 * r.scipy().predEMean()) : "-"));
        }
        sb.append("  SciPy: ").append(scipyNote()).append('\n');
        sb.append("  auto (the default law) is compared with the SciPy momentum baseline (goal >= ")
                .append(String.format(Locale.ROOT, "%.0f", DEFAULT_LAW_SPEEDUP_GOAL))
                .append("x); its objective is that of its multi-power member (with the kernel prior)\n");
        sb.append("  obj = sum of Huber(ln Lhat - ln L); obj vs SciPy = (Java - SciPy) / SciPy; fitE = mean |Lhat - L| / L"
                + " over the fit points; PredE = mean over the six other runs of their mean |Lhat - L| / L\n");
        if (online != null) {
            sb.append('\n').append(String.format(Locale.ROOT,
                    "Online update (%s, %,d steps, refit after every measured loss: %d refits per replay)%n",
                    online.run(), online.steps(), online.refits()));
            sb.append(String.format(Locale.ROOT, "  amortised per appended step, refits included: %s us%n",
                    meanErr(online.amortisedUs(), online.amortisedUsErr())));
            sb.append(String.format(Locale.ROOT, "  append only:                                    %s ns%n",
                    meanErr(online.appendNs(), online.appendNsErr())));
            sb.append(String.format(Locale.ROOT, "  one warm refit (256 stored points):             %s ms%n",
                    meanErr(online.warmRefitMs(), online.warmRefitMsErr())));
        }
        if (!memory.isEmpty()) {
            sb.append('\n').append("Memory per fitted online run state (JOL GraphLayout retained bytes; engine's own "
                    + "accounting in brackets)\n");
            for (MemoryRow m : memory) {
                sb.append(String.format(Locale.ROOT, "  after %,10d steps: %,7d bytes (%,d), %d stored points%n",
                        m.steps(), m.jolBytes(), m.engineBytes(), m.storedPoints()));
            }
        }
        sb.append('\n').append("Goals\n");
        for (String g : goals()) {
            sb.append("  ").append(g).append('\n');
        }
        return sb.toString();
    }

    /** One line per goal: MET or MISSED with the measured figure. */
    public List<String> goals() {
        List<String> out = new ArrayList<>();
        for (FitRow r : fits) {
            if (r.scipy() == null) {
                continue;
            }
            out.add(String.format(Locale.ROOT, "%s %s %s: %.1fx faster than SciPy %s (goal >= %.0fx)",
                    r.speedup() >= r.goal() ? "MET   " : "MISSED", r.model(), r.law(), r.speedup(),
                    Double.isNaN(r.scipy().lambda()) ? "multipower" : "momentum", r.goal()));
            if (!r.sameLaw()) {
                continue;
            }
            out.add(String.format(Locale.ROOT, "%s %s %s: error equal or lower (within %.1f%% relative): fit error "
                            + "%.4f%% vs SciPy %.4f%% (%+.2f%%), PredE %.4f%% vs %.4f%% (%+.2f%%)",
                    r.errorNotWorse() ? "MET   " : "MISSED", r.model(), r.law(), 100 * EQUAL_ERROR,
                    100 * r.fitError(), 100 * r.scipy().fitError(), 100 * (r.fitError() / r.scipy().fitError() - 1),
                    100 * r.predE(), 100 * r.scipy().predEMean(), 100 * (r.predE() / r.scipy().predEMean() - 1)));
        }
        if (online != null) {
            out.add(String.format(Locale.ROOT, "%s online update %.2f us per appended step amortised (goal <= %.0f us)",
                    online.amortisedUs() <= ONLINE_GOAL_US ? "MET   " : "MISSED", online.amortisedUs(),
                    ONLINE_GOAL_US));
        }
        if (!memory.isEmpty()) {
            long max = memory.stream().mapToLong(MemoryRow::jolBytes).max().orElse(0);
            long min = memory.stream().mapToLong(MemoryRow::jolBytes).min().orElse(0);
            boolean flat = max - min <= 1024;
            out.add(String.format(Locale.ROOT, "%s memory per fitted run state %,d..%,d bytes (goal <= %,d, flat)",
                    max <= MEMORY_GOAL_BYTES && flat ? "MET   " : "MISSED", min, max, MEMORY_GOAL_BYTES));
        }
        return out;
    }

    private String scipyNote() {
        String momentum = null;
        String multipower = null;
        for (FitRow r : fits) {
            if (r.scipy() != null && Double.isNaN(r.scipy().lambda())) {
                multipower = String.format(Locale.ROOT, "multipower: L-BFGS-B from 81 starts (alpha, C, beta, gamma "
                        + "grid), mean of %d timed repeats", r.scipy().repeats());
            } else if (r.scipy() != null) {
                momentum = String.format(Locale.ROOT, "momentum: L-BFGS-B from 81 starts at lambda=%s, mean of %d "
                        + "timed repeats (81-start loop only), %s", r.scipy().lambda(), r.scipy().repeats(),
                        r.scipy().versions());
            }
        }
        if (momentum == null && multipower == null) {
            return "not run";
        }
        return momentum == null ? multipower : multipower == null ? momentum : momentum + "; " + multipower;
    }

    static String meanErr(double mean, double err) {
        if (Double.isNaN(err)) {
            return String.format(Locale.ROOT, "%.4g", mean);
        }
        return String.format(Locale.ROOT, "%.4g ± %.2g", mean, err);
    }
}
