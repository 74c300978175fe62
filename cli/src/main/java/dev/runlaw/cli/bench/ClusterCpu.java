package dev.runlaw.cli.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * CPU time of named processes from Linux's {@code /proc}, for {@code bench cluster}: a {@link Snapshot} before and
 * after a window gives each process's cores used ({@code CPU-seconds / wall seconds}), and {@code /proc/loadavg}
 * gives the machine's load beside it. The parsing is pure ({@link #cpuTicks(String)}, {@link #loadAverage(String)});
 * only {@link #snapshot} reads files. Where {@code /proc} is missing (not Linux) a process simply has no figure.
 */
final class ClusterCpu {
    /**
     * Clock ticks per second of {@code /proc/<pid>/stat}'s times: {@code USER_HZ}, which the kernel's interface
     * fixes at 100 on every architecture Java runs on here (it is not the kernel's internal HZ).
     */
    static final double TICKS_PER_SECOND = 100;

    private ClusterCpu() {
    }

    /**
     * The process's user + system CPU time in clock ticks ({@code utime} and {@code stime}, fields 14 and 15 of
     * {@code proc(5)}), from the text of {@code /proc/<pid>/stat}. Field 2, the command name in parentheses, may
     * itself hold spaces and parentheses, so fields are counted from the last {@code ')'}.
     *
     * @throws IllegalArgumentException when the text is not a stat line
     */
    static long cpuTicks(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0 || stat.indexOf('(') < 0) {
            throw new IllegalArgumentException("not a /proc/<pid>/stat line: '" + abbreviate(stat) + "'");
        }
        String[] rest = stat.substring(close + 1).trim().split("\\s+");
        // rest[0] is field 3 (state), so field n is rest[n - 3].
        if (rest.length < 13) {
            throw new IllegalArgumentException("a /proc/<pid>/stat line with " + (rest.length + 2)
                    + " fields, need at least 15: '" + abbreviate(stat) + "'");
        }
        try {
            return Long.parseLong(rest[14 - 3]) + Long.parseLong(rest[15 - 3]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("utime/stime are not numbers in '" + abbreviate(stat) + "'", e);
        }
    }

    /**
     * The 1-minute load average, the first field of {@code /proc/loadavg} ({@code "0.52 0.58 0.59 1/467 12345"}).
     *
     * @throws IllegalArgumentException when the text does not start with a number
     */
    static double loadAverage(String loadavg) {
        String first = loadavg.trim().split("\\s+")[0];
        try {
            return Double.parseDouble(first);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a /proc/loadavg line: '" + abbreviate(loadavg) + "'", e);
        }
    }

    /**
     * CPU ticks of named processes at one instant.
     *
     * @param nanos {@link System#nanoTime()} when taken
     * @param ticks per process name, its CPU ticks; a process that could not be read is absent
     * @param load  the 1-minute load average then, or NaN when unknown
     */
    record Snapshot(long nanos, Map<String, Long> ticks, double load) {
    }

    /** Reads every process's {@code /proc/<pid>/stat} and the load average now. */
    static Snapshot snapshot(Map<String, Long> pids) {
        Map<String, Long> ticks = new LinkedHashMap<>();
        pids.forEach((name, pid) -> {
            String stat = read(Path.of("/proc", Long.toString(pid), "stat"));
            if (stat != null) {
                ticks.put(name, cpuTicks(stat));
            }
        });
        String loadavg = read(Path.of("/proc/loadavg"));
        return new Snapshot(System.nanoTime(), ticks, loadavg == null ? Double.NaN : loadAverage(loadavg));
    }

    /**
     * Cores each process used between two snapshots: CPU-seconds over wall seconds (2.0 = two cores busy all the
     * time). Only processes present in both appear.
     *
     * @throws IllegalArgumentException when {@code after} is not later than {@code before}
     */
    static Map<String, Double> coresUsed(Snapshot before, Snapshot after) {
        double wall = (after.nanos() - before.nanos()) / 1e9;
        if (wall <= 0) {
            throw new IllegalArgumentException("the second snapshot must be later than the first");
        }
        Map<String, Double> out = new LinkedHashMap<>();
        before.ticks().forEach((name, t0) -> {
            Long t1 = after.ticks().get(name);
            if (t1 != null) {
                out.put(name, (t1 - t0) / TICKS_PER_SECOND / wall);
            }
        });
        return out;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.US_ASCII);
        } catch (IOException | UnsupportedOperationException gone) {
            // The process exited, or this is not Linux: no figure for it.
            return null;
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s.strip() : s.substring(0, 80) + "...";
    }
}
