package dev.runlaw.cli.bench;

import picocli.CommandLine.Option;

/**
 * The flags every repeated pipeline benchmark takes (a picocli mixin): how many interleaved repeats and how long a
 * measured window must last at least. The defaults are the protocol docs/benchmarks.md reports; smaller values are
 * for a quick look only.
 */
final class RepeatOptions {
    /** Default repeats of every arm. */
    static final int REPEATS = 5;
    /** Default shortest measured window, seconds. */
    static final int WINDOW_SECONDS = 30;

    @Option(names = "--repeats", paramLabel = "N",
            description = "Windows per arm, arms interleaved (default ${DEFAULT-VALUE}; fewer for a quick look).")
    int repeats = REPEATS;
    @Option(names = "--window-seconds", paramLabel = "S",
            description = "Shortest measured window (default ${DEFAULT-VALUE}; shorter for a quick look).")
    int windowSeconds = WINDOW_SECONDS;

    /** @throws IllegalArgumentException when a value is out of range */
    void check() {
        if (repeats < 1 || repeats > 100) {
            throw new IllegalArgumentException("--repeats must be in 1..100, got " + repeats);
        }
        if (windowSeconds < 1 || windowSeconds > 3600) {
            throw new IllegalArgumentException("--window-seconds must be in 1..3600, got " + windowSeconds);
        }
    }
}
