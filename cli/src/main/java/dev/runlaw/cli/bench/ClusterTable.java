package dev.runlaw.cli.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The summary table of {@code bench cluster}: one row per (TaskManagers, job), each figure the median over the arm's
 * measured windows, printed as a Markdown table so it can go into docs/capacity.md as it is. Pure: it formats what
 * the windows measured.
 */
final class ClusterTable {
    /** Process names the CPU columns read (TaskManagers are every name starting with {@link #TM_PREFIX}). */
    static final String TM_PREFIX = "tm-";
    static final String JOB_MANAGER = "jobmanager";
    static final String DRIVER = "runlaw JVM";
    static final String CLICKHOUSE = "clickhouse";

    private ClusterTable() {
    }

    /**
     * One measured window of an arm.
     *
     * @param window    records (ingest rows, or forecast steps) and wall time
     * @param refits    forecast rows made in the window, or -1 for the ingest job
     * @param cores     cores used per process over the window ({@link ClusterCpu#coresUsed})
     * @param loadStart 1-minute load average when the window started
     * @param loadEnd   ... and when it ended
     */
    record Measured(Repeats.Window window, long refits, Map<String, Double> cores, double loadStart, double loadEnd) {
        /** Cores of every TaskManager together. */
        double taskManagerCores() {
            return cores.entrySet().stream().filter(e -> e.getKey().startsWith(TM_PREFIX))
                    .mapToDouble(Map.Entry::getValue).sum();
        }

        /** Cores of every process measured (TaskManagers, JobManager, the runlaw JVM, ClickHouse). */
        double allCores() {
            return cores.values().stream().mapToDouble(Double::doubleValue).sum();
        }

        double core(String name) {
            return cores.getOrDefault(name, Double.NaN);
        }
    }

    /**
     * One row: medians over an arm's windows.
     *
     * @param taskManagers  TaskManager JVMs of the cluster
     * @param slotsPerTm    slots per TaskManager
     * @param job           {@code ingest} or {@code forecast}
     * @param parallelism   the job's parallelism
     * @param rate          records/s (forecast: steps/s), median with min-max
     * @param refitsPerS    forecast rows/s (median), NaN for ingest
     * @param tmCores       cores used by all TaskManagers together
     * @param tmCoresEach   the same, per TaskManager (median of each), in name order
     * @param jmCores       cores used by the JobManager
     * @param driverCores   cores used by the runlaw JVM (Kafka broker, producer, waiting on ClickHouse)
     * @param chCores       cores used by the ClickHouse server
     * @param perTmCore     records/s per TaskManager core (median of the per-window ratio)
     * @param perCore       records/s per core of every measured process together (median of the per-window ratio)
     * @param loadMin       lowest 1-minute load average seen at a window's start or end
     * @param loadMax       highest
     * @param windows       windows measured
     */
    record Row(int taskManagers, int slotsPerTm, String job, int parallelism, Repeats.Spread rate, double refitsPerS,
               double tmCores, List<Double> tmCoresEach, double jmCores, double driverCores, double chCores,
               double perTmCore, double perCore, double loadMin, double loadMax, int windows) {

        /** Summarises an arm's windows; {@code windows} must not be empty. */
        static Row of(int taskManagers, int slotsPerTm, String job, int parallelism, List<Measured> windows) {
            if (windows.isEmpty()) {
                throw new IllegalArgumentException("no windows for " + job + " on " + taskManagers + " TaskManagers");
            }
            Repeats.Spread rate = Repeats.Spread.of(column(windows, m -> m.window().perSecond()));
            double refits = windows.get(0).refits() < 0 ? Double.NaN
                    : median(windows, m -> m.refits() / m.window().seconds());
            List<Double> each = new ArrayList<>();
            for (String tm : windows.get(0).cores().keySet().stream().filter(n -> n.startsWith(TM_PREFIX)).sorted()
                    .toList()) {
                each.add(median(windows, m -> m.core(tm)));
            }
            double loadMin = Double.POSITIVE_INFINITY;
            double loadMax = Double.NEGATIVE_INFINITY;
            for (Measured m : windows) {
                loadMin = Math.min(loadMin, Math.min(m.loadStart(), m.loadEnd()));
                loadMax = Math.max(loadMax, Math.max(m.loadStart(), m.loadEnd()));
            }
            return new Row(taskManagers, slotsPerTm, job, parallelism, rate, refits,
                    median(windows, Measured::taskManagerCores), each, median(windows, m -> m.core(JOB_MANAGER)),
                    median(windows, m -> m.core(DRIVER)), median(windows, m -> m.core(CLICKHOUSE)),
                    median(windows, m -> m.window().perSecond() / m.taskManagerCores()),
                    median(windows, m -> m.window().perSecond() / m.allCores()), loadMin, loadMax, windows.size());
        }
    }

    /** The table, Markdown, one row per arm in the given order. */
    static String format(List<Row> rows) {
        StringBuilder b = new StringBuilder();
        b.append("| TaskManagers × slots | job | parallelism | records/s median (min–max) | refits/s"
                + " | cores: TaskManagers (each) | JobManager | runlaw JVM | ClickHouse"
                + " | records/s per TaskManager core | records/s per core, all | load average | windows |\n");
        b.append("|---|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---|---:|\n");
        for (Row r : rows) {
            String each = String.join(" + ", r.tmCoresEach().stream().map(ClusterTable::cores).toList());
            b.append(String.format(Locale.ROOT, "| %d × %d | %s | %d | %s (%s–%s) | %s | %s (%s) | %s | %s | %s"
                            + " | %s | %s | %s–%s | %d |%n", r.taskManagers(), r.slotsPerTm(), r.job(),
                    r.parallelism(), count(r.rate().median()), count(r.rate().min()), count(r.rate().max()),
                    count(r.refitsPerS()), cores(r.tmCores()), each,
                    cores(r.jmCores()), cores(r.driverCores()), cores(r.chCores()), count(r.perTmCore()),
                    count(r.perCore()), load(r.loadMin()), load(r.loadMax()), r.windows()));
        }
        return b.toString();
    }

    private static String count(double x) {
        return Double.isFinite(x) ? String.format(Locale.ROOT, "%,.0f", x) : "–";
    }

    private static String cores(double x) {
        return Double.isFinite(x) ? String.format(Locale.ROOT, "%.2f", x) : "n/a";
    }

    private static String load(double x) {
        return Double.isFinite(x) ? String.format(Locale.ROOT, "%.1f", x) : "?";
    }

    private static double[] column(List<Measured> windows, ToDoubleFunction<Measured> f) {
        return windows.stream().mapToDouble(f).toArray();
    }

    /** Median of the finite values, NaN when there are none (e.g. ClickHouse's CPU when it is not a child). */
    private static double median(List<Measured> windows, ToDoubleFunction<Measured> f) {
        double[] xs = windows.stream().mapToDouble(f).filter(Double::isFinite).toArray();
        return xs.length == 0 ? Double.NaN : Repeats.Spread.of(xs).median();
    }
}
