package dev.runlaw.math.law;

/**
 * Sums over the drop steps (those where the LR changes) of a schedule after a start step {@code w}, decreases and
 * increases apart, as {@link MultiPowerLaw#prepare} reads them: for each, the total drop, the drop-weighted LR
 * (decreases) or log-LR (increases), and the drop-weighted area {@code S(j - 1)}.
 */
interface DropPrefix {
    /** Number of drop steps in {@code (w, step]}. */
    long rank(long step);

    /**
     * Sums over the drop steps in {@code (lo, hi]} into {@code out[0..5]} (decreases: drop, drop x LR, drop x area;
     * then the same for increases, with the log-LR); false (out untouched) if there are none.
     */
    boolean between(long lo, long hi, double[] out);
}
