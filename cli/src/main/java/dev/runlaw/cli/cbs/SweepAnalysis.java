package dev.runlaw.cli.cbs;

import dev.runlaw.math.cbs.PowerLawFit;
import dev.runlaw.math.cbs.PowerLawFitter;
import dev.runlaw.math.cbs.StepsBatchFit;
import dev.runlaw.math.cbs.StepsBatchFitter;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;

/**
 * The sweep's figures: per group the steps-versus-batch law S(B) = S_min(1 + B_noise/B) fitted in log space
 * ({@link StepsBatchFitter}), Zhang et al.'s CBS = (1 + x)·B0 + x·B_noise, and with a sequence length the tokens
 * to the target D = S(B0)·B0·L (S at the base batch from the fit). Across ≥ 3 groups with D: the power law
 * B_noise = k·D^β ({@link PowerLawFitter}, log-log; the report's {@code scaling}), and predictions at new D of
 * B_noise with its 90 % prediction interval, mapped to CBS through the same affine definition (so the predicted
 * B_noise and CBS agree). B_noise, not CBS, is what scales as a power law (McCandlish's B_crit; Power Lines:
 * B_crit ∝ D^0.46): CBS carries the constant (1 + x)·B0. The direct fit CBS = k'·D^β' (Zhang et al.'s plot) is
 * kept for comparison ({@code cbsScaling}).
 */
record SweepAnalysis(List<GroupResult> groups, PowerLawFit bNoiseScaling, PowerLawFit cbsScaling,
                     List<Prediction> predictions) {

    /** One group's fit. */
    record GroupResult(String group, double targetLoss, StepsBatchFit fit, double cbs, OptionalDouble tokens) {
    }

    /** A prediction at {@code tokens}; {@code lo90}/{@code hi90} bound the CBS. */
    record Prediction(double tokens, double bNoise, double cbs, double lo90, double hi90) {
    }

    /** Zhang et al.'s CBS for a B_noise (as {@link StepsBatchFit#cbs}). */
    static double cbs(double bNoise, double overhead, double baseBatch) {
        return (1 + overhead) * baseBatch + overhead * bNoise;
    }

    /** Groups needed for the scaling laws. */
    static final int MIN_GROUPS_FOR_SCALING = 3;

    /**
     * @param seqLen tokens per sequence, 0 when unknown (then no tokens, scaling or predictions)
     * @throws IllegalArgumentException when predictions are asked for but the scaling cannot be fitted
     */
    static SweepAnalysis of(SweepTable table, double baseBatch, double overhead, long seqLen, double[] predictAt) {
        List<GroupResult> groups = new ArrayList<>();
        for (SweepTable.Group g : table.groups().values()) {
            StepsBatchFit fit;
            try {
                fit = StepsBatchFitter.fit(g.batches(), g.steps());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("group " + g.name() + ": " + e.getMessage(), e);
            }
            OptionalDouble tokens = seqLen > 0 ? OptionalDouble.of(fit.steps(baseBatch) * baseBatch * seqLen)
                    : OptionalDouble.empty();
            groups.add(new GroupResult(g.name(), g.targetLoss(), fit, fit.cbs(overhead, baseBatch), tokens));
        }
        PowerLawFit cbsLaw = null;
        PowerLawFit bNoiseLaw = null;
        if (seqLen > 0 && groups.size() >= MIN_GROUPS_FOR_SCALING) {
            double[] d = groups.stream().mapToDouble(r -> r.tokens().getAsDouble()).toArray();
            cbsLaw = PowerLawFitter.fit(d, groups.stream().mapToDouble(GroupResult::cbs).toArray());
            bNoiseLaw = PowerLawFitter.fit(d, groups.stream().mapToDouble(r -> r.fit().bNoise()).toArray());
        }
        List<Prediction> predictions = new ArrayList<>();
        if (predictAt.length > 0 && bNoiseLaw == null) {
            throw new IllegalArgumentException("--predict-tokens needs the scaling law: --seq-len and at least "
                    + MIN_GROUPS_FOR_SCALING + " groups (the file has " + groups.size() + ")");
        }
        for (double d : predictAt) {
            double bNoise = bNoiseLaw.predict(d);
            double[] band = bNoiseLaw.predictInterval90(d);
            predictions.add(new Prediction(d, bNoise, cbs(bNoise, overhead, baseBatch),
                    cbs(band[0], overhead, baseBatch), cbs(band[1], overhead, baseBatch)));
        }
        return new SweepAnalysis(groups, bNoiseLaw, cbsLaw, predictions);
    }
}
