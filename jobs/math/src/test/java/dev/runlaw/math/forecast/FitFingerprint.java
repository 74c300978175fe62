package dev.runlaw.math.forecast;

import dev.runlaw.math.data.RunCurve;
import dev.runlaw.math.fit.FitResult;
import dev.runlaw.math.fit.LawFitter;
import dev.runlaw.math.fit.RunObservations;
import dev.runlaw.math.law.MomentumLaw;
import dev.runlaw.math.law.MultiPowerLaw;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Not a test: prints every fit of the backtest's fit sets to 17 digits ({@code Double.toString} round-trips), for
 * before/after comparisons of changes that must not move any number (diff the output of two builds, ignoring the
 * {@code ev} counts). Fit sets per size: the paper protocol's three runs, its three leave-one-out folds, and the
 * early-stop sets (cosine_24000 plus the observed head of each other run at 0.2 / 0.4 / 0.6, balanced, as the
 * backtest fits them). Fits: the plain multi-power law, the momentum law, and with {@code auto} as the second
 * argument also {@link ForecastModel#select} with {@code auto} and {@code multipower}. Arguments: data directory
 * (holding {@code mpl-25m/} and {@code mpl-100m/}), [auto].
 */
public final class FitFingerprint {
    static final String[] ALL = {"cosine_24000", "constant_24000", "wsdcon_9", "constant_72000", "cosine_72000",
        "wsd_20000_24000", "wsdld_20000_24000", "wsdcon_3", "wsdcon_18"};

    private FitFingerprint() {
    }

    public static void main(String[] args) throws Exception {
        boolean withSelect = args.length > 1 && args[1].equals("auto");
        for (String size : new String[] {"mpl-25m", "mpl-100m"}) {
            Path dir = Path.of(args[0]).resolve(size);
            Map<String, RunCurve> c = new HashMap<>();
            for (String n : ALL) {
                c.put(n, AccuracyExperiment.load(dir, n));
            }
            List<String> labels = new ArrayList<>();
            List<List<RunObservations>> sets = new ArrayList<>();
            List<Boolean> balanced = new ArrayList<>();
            List<RunObservations> paper = new ArrayList<>();
            for (String n : AccuracyExperiment.FIT) {
                paper.add(RunObservations.of(c.get(n)));
            }
            labels.add("paper");
            sets.add(paper);
            balanced.add(false);
            for (int i = 0; i < paper.size(); i++) {
                List<RunObservations> fold = new ArrayList<>(paper);
                labels.add("fold-" + fold.remove(i).name());
                sets.add(fold);
                balanced.add(false);
            }
            for (double f : new double[] {0.2, 0.4, 0.6}) {
                for (String n : ALL) {
                    if (n.equals("cosine_24000")) {
                        continue;
                    }
                    long cut = BacktestProtocol.cut(c.get(n), f);
                    labels.add("es" + f + "-" + n);
                    sets.add(List.of(RunObservations.of(c.get("cosine_24000")),
                            RunObservations.observedUpTo(c.get(n), cut)));
                    balanced.add(true);
                }
            }
            for (int s = 0; s < sets.size(); s++) {
                String label = size + " " + labels.get(s);
                boolean b = balanced.get(s);
                print(label + " plain", LawFitter.create(MultiPowerLaw.create()).withBalancedRuns(b).fit(sets.get(s)));
                print(label + " momentum", LawFitter.create(MomentumLaw.create()).withBalancedRuns(b).fit(sets.get(s)));
                if (!withSelect) {
                    continue;
                }
                for (String law : new String[] {"auto", "multipower"}) {
                    ForecastModel m = ForecastModel.select(sets.get(s), law, b);
                    System.out.println(label + " select-" + law + " " + m.name() + " w "
                            + Arrays.toString(m.weights()));
                    for (FitResult fr : m.fits()) {
                        print(label + " select-" + law + " member", fr);
                    }
                }
            }
        }
    }

    private static void print(String label, FitResult r) {
        System.out.println(label + " " + r.law().hyperParameters() + " " + Arrays.toString(r.params()) + " obj "
                + r.objective() + " rms " + r.rmsLogResidual() + " cov "
                + Arrays.deepToString(r.covariance()).hashCode() + " ev " + r.evaluations() + " msg " + r.message());
    }
}
