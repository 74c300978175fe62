package dev.runlaw.math.live;

import java.util.Arrays;

/**
 * How {@link RunTracker#forecast} fits and what it emits.
 *
 * @param law             {@code momentum}, {@code multipower} or {@code auto} (see
 *                        {@link dev.runlaw.math.forecast.ForecastModel#select})
 * @param curvePoints     number of forecast-curve steps, spaced evenly from the step after the last observed one to
 *                        the planned final step
 * @param whatIfFractions fractions f of the planned final step at which a what-if decay starts ({@code decay_at_f});
 *                        those at or before the last observed step are skipped
 * @param cooldownSteps   length of the {@code decay_now} cooldown; 0 = 20 % of its decay start (the step after the
 *                        last observed one), the usual WSD cooldown share
 * @param fullSelectEvery every this many forecasts a full {@code ForecastModel.select} (validation fits) replaces
 *                        the warm refit; also on the first forecast and whenever the reference runs change
 * @param whatIfEvery     the what-ifs are computed on the first forecast and every this many forecasts after it
 *                        (1 = every forecast); the others carry none. Saves a few per cent of a refit's cost; the
 *                        final forecast and the curve are unaffected
 */
public record ForecastSettings(String law, int curvePoints, double[] whatIfFractions, long cooldownSteps,
                               int fullSelectEvery, int whatIfEvery) {
    /** What-ifs on every forecast. */
    public ForecastSettings(String law, int curvePoints, double[] whatIfFractions, long cooldownSteps,
                            int fullSelectEvery) {
        this(law, curvePoints, whatIfFractions, cooldownSteps, fullSelectEvery, 1);
    }

    public ForecastSettings {
        if (!"momentum".equals(law) && !"multipower".equals(law) && !"auto".equals(law)) {
            throw new IllegalArgumentException("law must be momentum, multipower or auto, got " + law);
        }
        if (curvePoints < 0) {
            throw new IllegalArgumentException("curvePoints must be >= 0, got " + curvePoints);
        }
        whatIfFractions = whatIfFractions == null ? new double[0] : whatIfFractions.clone();
        for (double f : whatIfFractions) {
            if (!(f > 0 && f < 1)) {
                throw new IllegalArgumentException("what-if fractions must be in (0, 1), got " + f);
            }
        }
        if (cooldownSteps < 0) {
            throw new IllegalArgumentException("cooldownSteps must be >= 0, got " + cooldownSteps);
        }
        if (fullSelectEvery < 1) {
            throw new IllegalArgumentException("fullSelectEvery must be >= 1, got " + fullSelectEvery);
        }
        if (whatIfEvery < 1) {
            throw new IllegalArgumentException("whatIfEvery must be >= 1, got " + whatIfEvery);
        }
    }

    /** Law {@code auto}, 32 curve points, what-ifs at 0.5 / 0.7 / 0.9, default cooldown, full select every 8. */
    public static ForecastSettings defaults() {
        return new ForecastSettings("auto", 32, new double[] {0.5, 0.7, 0.9}, 0, 8);
    }

    /** A copy with another law. */
    public ForecastSettings withLaw(String newLaw) {
        return new ForecastSettings(newLaw, curvePoints, whatIfFractions, cooldownSteps, fullSelectEvery, whatIfEvery);
    }

    @Override
    public double[] whatIfFractions() {
        return whatIfFractions.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ForecastSettings s && s.law.equals(law) && s.curvePoints == curvePoints
                && Arrays.equals(s.whatIfFractions, whatIfFractions) && s.cooldownSteps == cooldownSteps
                && s.fullSelectEvery == fullSelectEvery && s.whatIfEvery == whatIfEvery;
    }

    @Override
    public int hashCode() {
        return law.hashCode() * 31 + curvePoints * 17 + Arrays.hashCode(whatIfFractions);
    }

    @Override
    public String toString() {
        return "ForecastSettings[" + law + ", " + curvePoints + " curve points, what-ifs "
                + Arrays.toString(whatIfFractions) + ", cooldown " + cooldownSteps + ", full select every "
                + fullSelectEvery + ", what-ifs every " + whatIfEvery + "]";
    }
}
