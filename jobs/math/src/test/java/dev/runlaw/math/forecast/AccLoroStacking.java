package dev.runlaw.math.forecast;

import dev.runlaw.math.data.RunCurve;
import dev.runlaw.math.fit.FitResult;
import dev.runlaw.math.fit.LawFitter;
import dev.runlaw.math.fit.RunObservations;
import dev.runlaw.math.law.LossLaw;
import dev.runlaw.math.law.MomentumLaw;
import dev.runlaw.math.law.MultiPowerLaw;
import dev.runlaw.math.schedule.LrSchedule;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Not a test: paper protocol, per candidate member (law variant) its leave-one-run-out error over the three fitted
 * runs (fitted data only) beside its test error on the six predicted runs, and the ensembles of those members with
 * weights chosen on the fitted data alone: inverse-square of the LORO errors (today's rule) and "stacked" (the
 * simplex grid point, step 0.05, whose mixture has the lowest LORO error). Test figures are printed for the report,
 * never used to choose. Argument: data directory (holding {@code mpl-25m/}, {@code mpl-100m/}).
 */
public final class AccLoroStacking {
    private AccLoroStacking() {
    }

    record Member(String name, LawFitter fitter) {
    }

    static List<Member> members() {
        List<Member> m = new ArrayList<>();
        m.add(new Member("mo", LawFitter.create(MomentumLaw.create())));
        for (double l : MomentumLaw.DEFAULT_LAMBDAS) {
            m.add(new Member("mo" + l, LawFitter.create(MomentumLaw.withLambda(l))));
        }
        m.add(new Member("mp", LawFitter.create(MultiPowerLaw.create())
                .withPrior(ForecastModel.MULTIPOWER_PRIOR, 10)));
        m.add(new Member("mpw", LawFitter.create(MultiPowerLaw.withWarmupInLossDrop())
                .withPrior(ForecastModel.MULTIPOWER_PRIOR, 10)));
        m.add(new Member("mps", LawFitter.create(MultiPowerLaw.withScaledLossDrop())
                .withPrior(ForecastModel.MULTIPOWER_PRIOR, Double.parseDouble(System.getProperty("acc.k", "10")))));
        return m;
    }

    /** ln of the point forecast at the held run's post-warmup points, or null. */
    static double[] logPoints(FitResult fr, RunObservations held) {
        long[] steps = post(held);
        double[] p = fr.law().predict(fr.params(), held.schedule(), steps);
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.log(p[i]);
        }
        return p;
    }

    static long[] post(RunObservations r) {
        return java.util.Arrays.stream(r.steps()).filter(s -> s > r.schedule().peakStep()).toArray();
    }

    static double[] truth(RunObservations r) {
        long[] s = r.steps();
        double[] l = r.losses();
        List<Double> out = new ArrayList<>();
        for (int i = 0; i < s.length; i++) {
            if (s[i] > r.schedule().peakStep()) {
                out.add(l[i]);
            }
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** Mean over cases of the mixture's mean relative error; also the max final error. */
    static double[] score(double[][][] logs, double[][] truths, double[] w) {
        double sum = 0, maxFinal = 0;
        for (int c = 0; c < truths.length; c++) {
            double e = 0;
            double last = 0;
            for (int i = 0; i < truths[c].length; i++) {
                double mu = 0;
                for (int m = 0; m < w.length; m++) {
                    mu += w[m] * logs[m][c][i];
                }
                last = Math.abs(Math.exp(mu) - truths[c][i]) / truths[c][i];
                e += last;
            }
            sum += e / truths[c].length;
            maxFinal = Math.max(maxFinal, last);
        }
        return new double[] {sum / truths.length, maxFinal};
    }

    public static void main(String[] args) throws Exception {
        Path data = Path.of(args[0]);
        List<Member> ms = members();
        for (String size : new String[] {"mpl-25m", "mpl-100m"}) {
            Path dir = data.resolve(size);
            List<RunObservations> fit = new ArrayList<>();
            for (String n : AccuracyExperiment.FIT) {
                fit.add(RunObservations.of(AccuracyExperiment.load(dir, n)));
            }
            List<RunObservations> test = new ArrayList<>();
            for (String n : AccuracyExperiment.PAPER_PREDICT) {
                RunCurve c = AccuracyExperiment.load(dir, n);
                test.add(RunObservations.of(c));
            }
            List<ForecastModel.Split> splits = ForecastModel.splits(fit, false);
            double[][] valTruth = new double[splits.size()][];
            for (int s = 0; s < splits.size(); s++) {
                valTruth[s] = truth(splits.get(s).held());
            }
            double[][] testTruth = new double[test.size()][];
            for (int r = 0; r < test.size(); r++) {
                testTruth[r] = truth(test.get(r));
            }
            double[][][] val = new double[ms.size()][][];
            double[][][] tst = new double[ms.size()][][];
            for (int m = 0; m < ms.size(); m++) {
                FitResult full = ms.get(m).fitter().fit(fit);
                val[m] = new double[splits.size()][];
                for (int s = 0; s < splits.size(); s++) {
                    FitResult fr = ms.get(m).fitter().withWarmStart(full).fit(splits.get(s).train());
                    val[m][s] = logPoints(fr, splits.get(s).held());
                }
                tst[m] = new double[test.size()][];
                StringBuilder sb = new StringBuilder();
                for (int r = 0; r < test.size(); r++) {
                    tst[m][r] = logPoints(full, test.get(r));
                    double[] one = score(new double[][][] {{tst[m][r]}}, new double[][] {testTruth[r]}, new double[] {1});
                    sb.append(String.format(Locale.ROOT, " %.3f", 100 * one[0]));
                }
                StringBuilder vb = new StringBuilder();
                for (int s = 0; s < splits.size(); s++) {
                    double[] one = score(new double[][][] {{val[m][s]}}, new double[][] {valTruth[s]}, new double[] {1});
                    vb.append(String.format(Locale.ROOT, " %.3f", 100 * one[0]));
                }
                if (System.getProperty("acc.params") != null) {
                    System.out.println("   params " + java.util.Arrays.toString(full.params()) + " obj "
                            + full.objective());
                    for (int r = 0; r < test.size(); r++) {
                        StringBuilder sh = new StringBuilder();
                        int n = testTruth[r].length;
                        for (int b = 0; b < 10; b++) {
                            double e = 0;
                            int c = 0;
                            for (int i = b * n / 10; i < (b + 1) * n / 10; i++) {
                                e += (Math.exp(tst[m][r][i]) - testTruth[r][i]) / testTruth[r][i];
                                c++;
                            }
                            sh.append(String.format(Locale.ROOT, " %+6.3f", 100 * e / Math.max(1, c)));
                        }
                        System.out.printf(Locale.ROOT, "   %-18s%s%n", test.get(r).name(), sh);
                    }
                }
                double[] v = score(new double[][][] {val[m]}, valTruth, new double[] {1});
                double[] t = score(new double[][][] {tst[m]}, testTruth, new double[] {1});
                System.out.printf(Locale.ROOT, "%s %-9s %-30s LORO %.4f%% (%s) | test mean %.4f%% max %.3f%% (%s)%n",
                        size, ms.get(m).name(), full.law() + " " + full.law().hyperParameters(), 100 * v[0], vb,
                        100 * t[0], 100 * t[1], sb);
            }
            int mo = 0, mp = ms.size() - 3, mpw = ms.size() - 2, mps = ms.size() - 1;
            int[][] sets = {{mo, mp}, {mo, mpw}, {mo, mps}, {mp, mps}, {mo, mp, mps}};
            for (int[] set : sets) {
                double[][][] v = new double[set.length][][];
                double[][][] t = new double[set.length][][];
                double[] errs = new double[set.length];
                StringBuilder names = new StringBuilder();
                for (int k = 0; k < set.length; k++) {
                    v[k] = val[set[k]];
                    t[k] = tst[set[k]];
                    errs[k] = score(new double[][][] {v[k]}, valTruth, new double[] {1})[0];
                    names.append(ms.get(set[k]).name()).append(' ');
                }
                double[] inv = Ensemble.inverseSquareWeights(errs);
                double[] best = null;
                double bestV = Double.POSITIVE_INFINITY;
                for (double[] w : simplex(set.length, Integer.getInteger("acc.grid", 20))) {
                    double e = score(v, valTruth, w)[0];
                    if (e < bestV - 1e-12) {
                        bestV = e;
                        best = w;
                    }
                }
                double[] ti = score(t, testTruth, inv);
                double[] ts = score(t, testTruth, best);
                System.out.printf(Locale.ROOT, "%s ens %-12s inv-sq w=%s LORO %.4f%% test %.4f%% / %.3f%% | stacked w=%s"
                                + " LORO %.4f%% test %.4f%% / %.3f%%%n", size, names, fmt(inv),
                        100 * score(v, valTruth, inv)[0], 100 * ti[0], 100 * ti[1], fmt(best), 100 * bestV,
                        100 * ts[0], 100 * ts[1]);
            }
        }
    }

    static String fmt(double[] w) {
        StringBuilder sb = new StringBuilder("[");
        for (double x : w) {
            sb.append(String.format(Locale.ROOT, "%.2f ", x));
        }
        return sb.append(']').toString();
    }

    static List<double[]> simplex(int m, int steps) {
        List<double[]> out = new ArrayList<>();
        if (m == 2) {
            for (int i = 0; i <= steps; i++) {
                out.add(new double[] {i / (double) steps, 1 - i / (double) steps});
            }
        } else {
            for (int i = 0; i <= steps; i++) {
                for (int j = 0; i + j <= steps; j++) {
                    out.add(new double[] {i / (double) steps, j / (double) steps, (steps - i - j) / (double) steps});
                }
            }
        }
        return out;
    }
}
