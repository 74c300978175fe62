package dev.runlaw.math.live;

import dev.runlaw.math.forecast.Forecast;

/**
 * A what-if forecast: the loss at {@code endStep} if the run's LR decayed linearly from its value at
 * {@code decayStartStep - 1} to the floor, reaching it one step after {@code endStep}.
 *
 * @param label          {@code decay_now} or {@code decay_at_<fraction>}
 * @param decayStartStep first step of the decay
 * @param endStep        last step of the what-if schedule (the step forecast)
 * @param forecast       the forecast at {@code endStep}
 */
public record WhatIf(String label, long decayStartStep, long endStep, Forecast forecast) {
}
