package dev.runlaw.producers;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A single updating progress line on stderr for long replays:
 * {@code label  42.1%  10100/24000 steps  51.2k rec/s  ETA 0:12}, redrawn in place with {@code \r} at most five
 * times a second, ended with a newline by {@link #finish(long, long)}.
 *
 * <p>Quiet (prints nothing) when disabled or when the process has no terminal ({@code System.console() == null},
 * e.g. output piped to a file or run by CI), so logs stay free of carriage-return noise. Not thread-safe: one
 * replay drives one bar.
 */
public final class ProgressBar {
    private static final long REDRAW_NANOS = 200_000_000L;

    private final String label;
    private final PrintStream out;
    private final boolean enabled;
    private final LongSupplier nanoClock;
    private final String unit;
    private long total;
    private long startNanos;
    private long lastDrawNanos;
    private int lastWidth;
    private boolean drawn;

    ProgressBar(String label, PrintStream out, boolean enabled, LongSupplier nanoClock) {
        this(label, out, enabled, nanoClock, "steps");
    }

    ProgressBar(String label, PrintStream out, boolean enabled, LongSupplier nanoClock, String unit) {
        this.label = label;
        this.out = out;
        this.enabled = enabled;
        this.nanoClock = nanoClock;
        this.unit = unit;
    }

    /** A bar on stderr counting {@code unit}s (e.g. "KiB" for a file import) instead of steps. */
    public static ProgressBar stderr(String label, boolean enabled, String unit) {
        return new ProgressBar(label, System.err, enabled, System::nanoTime, unit);
    }

    /** A bar on stderr, shown only when the process runs in a terminal. */
    public static ProgressBar stderr(String label) {
        return stderr(label, System.console() != null);
    }

    /** A bar on stderr, shown when {@code enabled} (e.g. a {@code --quiet} flag turned off). */
    public static ProgressBar stderr(String label, boolean enabled) {
        return new ProgressBar(label, System.err, enabled, System::nanoTime);
    }

    /** A bar that never prints. */
    public static ProgressBar disabled() {
        return new ProgressBar("", System.err, false, System::nanoTime);
    }

    public boolean enabled() {
        return enabled;
    }

    /** Starts timing; {@code total} is the number of units (steps) expected, > 0. */
    public void start(long total) {
        this.total = Math.max(1, total);
        this.startNanos = nanoClock.getAsLong();
        this.lastDrawNanos = startNanos - REDRAW_NANOS;
        this.drawn = false;
    }

    /**
     * Reports progress; redraws only if 200 ms passed since the last redraw, so it is cheap to call every step.
     *
     * @param done    units done so far
     * @param records records emitted so far (for the rate)
     */
    public void update(long done, long records) {
        if (!enabled) {
            return;
        }
        long now = nanoClock.getAsLong();
        if (now - lastDrawNanos < REDRAW_NANOS) {
            return;
        }
        lastDrawNanos = now;
        draw(done, records, now);
    }

    /** Draws the final state and ends the line. */
    public void finish(long done, long records) {
        if (!enabled) {
            return;
        }
        draw(done, records, nanoClock.getAsLong());
        out.print('\n');
        out.flush();
    }

    private void draw(long done, long records, long now) {
        String line = render(done, records, now - startNanos);
        // Pad over the previous, possibly longer, line.
        int pad = Math.max(0, lastWidth - line.length());
        out.print('\r' + line + " ".repeat(pad));
        out.flush();
        lastWidth = line.length();
        drawn = true;
    }

    /** The text of one line; package-visible for tests. */
    String render(long done, long records, long elapsedNanos) {
        double frac = Math.min(1.0, (double) done / total);
        double secs = elapsedNanos / 1e9;
        String rate = secs > 0 ? human(records / secs) + " rec/s" : "- rec/s";
        String eta;
        if (done <= 0 || secs <= 0) {
            eta = "ETA -";
        } else if (done >= total) {
            eta = "done in " + clock(secs);
        } else {
            eta = "ETA " + clock(secs * (total - done) / done);
        }
        return String.format(Locale.ROOT, "%s %5.1f%%  %d/%d %s  %s  %s", label, frac * 100, done, total, unit, rate,
                eta);
    }

    private static String human(double v) {
        if (v >= 1e6) {
            return String.format(Locale.ROOT, "%.2fM", v / 1e6);
        }
        if (v >= 1e3) {
            return String.format(Locale.ROOT, "%.1fk", v / 1e3);
        }
        return String.format(Locale.ROOT, "%.0f", v);
    }

    private static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }

    boolean drawnOnce() {
        return drawn;
    }
}
