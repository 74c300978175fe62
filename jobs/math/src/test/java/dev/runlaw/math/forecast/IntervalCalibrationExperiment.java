package dev.runlaw.math.forecast;

import dev.runlaw.math.data.RunCurve;
import dev.runlaw.math.data.RunCurveParser;
import dev.runlaw.math.fit.FitResult;
import dev.runlaw.math.fit.LawFitter;
import dev.runlaw.math.fit.RunObservations;
import dev.runlaw.math.law.LossLaw;
import dev.runlaw.math.law.MomentumLaw;
import dev.runlaw.math.law.MultiPowerLaw;
import dev.runlaw.math.schedule.LrSchedule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Not a test: the experiment behind docs/forecast.md's choice of interval. On the 48 early-stop cases of the
 * reference curves (2 sizes x fractions 0.2/0.4/0.6 x 8 curves, cosine_24000 as reference) it compares the coverage
 * of the final loss by parameter uncertainty alone, estimated two ways: a moving-block residual bootstrap
 * (blocks of 8 points, warm-started refits, seeded) and the Laplace covariance the Forecaster uses (discrepancy 0).
 *
 * <p>Run from the project root after {@code mvn -o -q -B -pl jobs/math test-compile}:
 * {@code java -cp jobs/math/target/classes:jobs/math/target/test-classes:HIPPARCHUS_JARS
 * dev.runlaw.math.forecast.IntervalCalibrationExperiment momentum|multipower REPLICATES}
 */
public final class IntervalCalibrationExperiment {
    private static final List<String> CURVES = List.of("constant_24000", "constant_72000", "cosine_72000",
            "wsd_20000_24000", "wsdld_20000_24000", "wsdcon_3", "wsdcon_9", "wsdcon_18");

    private IntervalCalibrationExperiment() {
    }

    static RunCurve load(String size, String name) throws IOException {
        // A dev tool, like the benchmarks: it reads the whole development data set beside the repository.
        Path p = Path.of("../shared/data/loss-curves/mpl-" + size + "/" + name + ".csv");
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("missing " + p.toAbsolutePath().normalize() + ": this experiment reads "
                    + "the development data set ../shared/data/loss-curves and must be run from the project root");
        }
        return RunCurveParser.parse(p.toString(), name, Files.readAllLines(p));
    }

    public static void main(String[] args) throws IOException {
        LossLaw law = args[0].equals("multipower") ? MultiPowerLaw.create() : MomentumLaw.create();
        int reps = Integer.parseInt(args[1]);
        int covBoot = 0;
        int covLaplace = 0;
        int n = 0;
        for (String size : List.of("25m", "100m")) {
            RunObservations ref = RunObservations.of(load(size, "cosine_24000"));
            for (double f : new double[] {0.2, 0.4, 0.6}) {
                for (String name : CURVES) {
                    RunCurve c = load(size, name);
                    long cut = (long) Math.floor(f * c.length()) - 1;
                    List<RunObservations> runs = List.of(ref, RunObservations.observedUpTo(c, cut));
                    LawFitter fitter = LawFitter.create(law).withBalancedRuns(true);
                    FitResult fit = fitter.fit(runs);
                    long[] measured = c.measuredSteps();
                    long last = measured[measured.length - 1];
                    double truth = c.lossAt(last);
                    LrSchedule sch = LrSchedule.of(c.firstStep(), c.lr());
                    double point = fit.predict(sch, last);
                    Random rnd = new Random(42);
                    double[] preds = new double[reps];
                    LawFitter warm = fitter.withWarmStart(fit);
                    for (int r = 0; r < reps; r++) {
                        List<RunObservations> boot = new ArrayList<>();
                        for (RunObservations o : runs) {
                            boot.add(resample(o, fit, rnd, 8));
                        }
                        FitResult b = warm.fit(boot);
                        preds[r] = b.ok() ? Math.log(b.predict(sch, last)) : Double.NaN;
                    }
                    double mean = Arrays.stream(preds).filter(Double::isFinite).average().orElse(0);
                    double var = Arrays.stream(preds).filter(Double::isFinite)
                            .map(x -> (x - mean) * (x - mean)).average().orElse(0);
                    double sdBoot = Math.sqrt(var + fit.rmsLogResidual() * fit.rmsLogResidual());
                    Forecast laplace = Forecaster.create(fit).withDiscrepancy(0).withLastObservedStep(cut)
                            .forecast(sch, last);
                    double e = Math.abs(Math.log(truth / point));
                    boolean cb = e <= 1.645 * sdBoot;
                    boolean cl = e <= 1.645 * laplace.logSd();
                    covBoot += cb ? 1 : 0;
                    covLaplace += cl ? 1 : 0;
                    n++;
                    System.out.printf(Locale.ROOT, "%s %.1f %-18s err %.3f%% sd bootstrap %.3f%% laplace %.3f%% %s %s%n",
                            size, f, name, 100 * e, 100 * sdBoot, 100 * laplace.logSd(), cb, cl);
                }
            }
        }
        System.out.printf(Locale.ROOT, "%s coverage of the final loss: bootstrap %d/%d = %.3f, laplace %d/%d = %.3f%n",
                law.name(), covBoot, n, (double) covBoot / n, covLaplace, n, (double) covLaplace / n);
    }

    /** The run with its fitted curve times moving blocks of its own log residuals. */
    private static RunObservations resample(RunObservations o, FitResult fit, Random rnd, int block) {
        long[] st = o.steps();
        double[] l = o.losses();
        double[] fitted = fit.law().predict(fit.params(), o.schedule(), st);
        int m = st.length;
        double[] res = new double[m];
        for (int i = 0; i < m; i++) {
            res[i] = Math.log(l[i]) - Math.log(fitted[i]);
        }
        double[] out = new double[m];
        for (int i = 0; i < m; ) {
            int s0 = rnd.nextInt(Math.max(1, m - block));
            for (int k = 0; k < block && i < m; k++, i++) {
                out[i] = fitted[i] * Math.exp(res[Math.min(m - 1, s0 + k)]);
            }
        }
        return new RunObservations(o.name(), o.schedule(), st, out);
    }
}
