package dev.runlaw.jobs.alert;

import dev.runlaw.schema.ForecastPoint;
import dev.runlaw.schema.RunForecast;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The loss a run's fitted law expects at a step, read from the forecast job's latest {@link RunForecast} of the run
 * (its curve: the law's loss at a few dozen steps from the step after the forecast to the planned end, under the
 * planned schedule). No second fitter: between two curve points the loss is interpolated linearly in log loss
 * against the step; outside the curve (before the first forecast, or past its last point) there is no expectation
 * and the detectors fall back on their running baseline.
 *
 * <p>Immutable; O(curve points) state, replaced at each new forecast.
 */
public final class ExpectedLoss {
    private static final byte FORMAT_VERSION = 1;

    private final long forecastStep;
    private final long[] steps;
    private final double[] logLoss;

    private ExpectedLoss(long forecastStep, long[] steps, double[] logLoss) {
        this.forecastStep = forecastStep;
        this.steps = steps;
        this.logLoss = logLoss;
    }

    /**
     * The expectation in {@code f}'s curve, or null when the curve is empty or unusable (a failed fit has none): a
     * forecast without a curve must not replace a usable one.
     */
    public static ExpectedLoss of(RunForecast f) {
        List<ForecastPoint> curve = f.getCurve();
        long[] s = new long[curve.size()];
        double[] l = new double[curve.size()];
        int n = 0;
        for (ForecastPoint p : curve) {
            // Keep strictly increasing steps with a positive, finite loss; anything else is not a law's value.
            if (p.getLoss() > 0 && Double.isFinite(p.getLoss()) && (n == 0 || p.getStep() > s[n - 1])) {
                s[n] = p.getStep();
                l[n] = Math.log(p.getLoss());
                n++;
            }
        }
        if (n == 0) {
            return null;
        }
        return new ExpectedLoss(f.getStep(), java.util.Arrays.copyOf(s, n), java.util.Arrays.copyOf(l, n));
    }

    /** The step of the forecast this expectation comes from. */
    public long forecastStep() {
        return forecastStep;
    }

    /** The expected loss at {@code step}, NaN outside the curve. */
    public double at(long step) {
        int n = steps.length;
        if (step < steps[0] || step > steps[n - 1]) {
            return Double.NaN;
        }
        int i = java.util.Arrays.binarySearch(steps, step);
        if (i >= 0) {
            return Math.exp(logLoss[i]);
        }
        int hi = -i - 1;
        int lo = hi - 1;
        double t = (double) (step - steps[lo]) / (steps[hi] - steps[lo]);
        return Math.exp(logLoss[lo] + t * (logLoss[hi] - logLoss[lo]));
    }

    /** State as bytes (Flink state). */
    public byte[] toBytes() {
        ByteArrayOutputStream b = new ByteArrayOutputStream(16 + steps.length * 16);
        try (DataOutputStream out = new DataOutputStream(b)) {
            out.writeByte(FORMAT_VERSION);
            out.writeLong(forecastStep);
            out.writeInt(steps.length);
            for (int i = 0; i < steps.length; i++) {
                out.writeLong(steps[i]);
                out.writeDouble(logLoss[i]);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b.toByteArray();
    }

    /** Reads {@link #toBytes()}. */
    public static ExpectedLoss fromBytes(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            byte v = in.readByte();
            if (v != FORMAT_VERSION) {
                throw new IllegalArgumentException("unknown ExpectedLoss state format " + v);
            }
            long at = in.readLong();
            int n = in.readInt();
            long[] s = new long[n];
            double[] l = new double[n];
            for (int i = 0; i < n; i++) {
                s[i] = in.readLong();
                l[i] = in.readDouble();
            }
            return new ExpectedLoss(at, s, l);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
