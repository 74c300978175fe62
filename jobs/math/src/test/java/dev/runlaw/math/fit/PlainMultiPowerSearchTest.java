package dev.runlaw.math.fit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runlaw.math.law.MultiPowerLaw;
import dev.runlaw.math.testdata.RealCurves;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The plain multi-power law's default start search (54 projected grid points ranked by the projection's own
 * columns, the loss-drop sums computed once per kernel, LM from the best 3) against the exhaustive multi-start (LM
 * from every grid point), on the real curves of both sizes: the joint fit of three runs, as
 * {@code runlaw bench forecast-fit} times it.
 */
class PlainMultiPowerSearchTest {
    /** mpl-100m's test resources lack wsdcon_9: its third run is wsd_20000_24000 (also a decay to 0.1 of peak). */
    static List<RunObservations> runs(String family) {
        List<RunObservations> out = new ArrayList<>();
        String third = family.equals("mpl-25m") ? "wsdcon_9" : "wsd_20000_24000";
        for (String n : new String[] {"cosine_24000", "constant_24000", third}) {
            out.add(RunObservations.of(RealCurves.load(family, n)));
        }
        return out;
    }

    @Test
    void defaultSearchReachesTheExhaustiveOptimumOnBothSizes() {
        for (String family : new String[] {"mpl-25m", "mpl-100m"}) {
            List<RunObservations> data = runs(family);
            LawFitter f = LawFitter.create(MultiPowerLaw.create());
            FitResult fast = f.fit(data);
            FitResult exhaustive = f.withStarts(54).fit(data);
            assertThat(fast.ok()).as(fast.toString()).isTrue();
            assertThat(fast.starts()).as(family).isEqualTo(LawFitter.DEFAULT_STARTS);
            // LM stops anywhere along the optimum's flat valley within ~1e-6 relative of its floor: 1e-5 is the
            // bench's own bar against SciPy's 81-start fit.
            assertThat(fast.objective()).as(family).isLessThanOrEqualTo(exhaustive.objective() * (1 + 1e-5));
        }
    }

    @Test
    void startsAreRankedByTheObjectiveTheLawItselfGives() {
        // The projection scores each grid point from its own columns instead of evaluating the law again; the two
        // may differ only by rounding, or the ranking (and so the fit) would change.
        for (String family : new String[] {"mpl-25m", "mpl-100m"}) {
            LawProblem problem = problem(runs(family));
            VariableProjection vp = new VariableProjection(problem);
            double[] values = new double[problem.n()];
            int checked = 0;
            for (double[] g : MultiPowerLaw.create().nonlinearGrid()) {
                double[] start = vp.projectAt(new double[] {1, 1, g[0], 1, g[1], g[2], g[3]});
                if (start == null) {
                    continue;
                }
                double direct = problem.objectiveAt(start, values);
                assertThat(vp.objectiveFromColumns(start)).as("%s at %s", family, java.util.Arrays.toString(g))
                        .isCloseTo(direct, org.assertj.core.api.Assertions.within(1e-12 * direct));
                checked++;
            }
            assertThat(checked).isEqualTo(54);
        }
    }

    @Test
    void fitsWithoutDiagnosticsHaveTheSameParametersAndNoCovariance() {
        List<RunObservations> data = runs("mpl-25m");
        LawFitter f = LawFitter.create(MultiPowerLaw.create());
        FitResult full = f.fit(data);
        FitResult bare = f.withDiagnostics(false).fit(data);
        assertThat(bare.params()).containsExactly(full.params());
        assertThat(bare.objective()).isEqualTo(full.objective());
        assertThat(bare.annealingIdentified()).isTrue();
        assertThat(bare.covariance()).isEmpty();
        assertThat(bare.rmsLogResidual()).isNaN();
        assertThat(full.covariance()).hasDimensions(7, 7);
        assertThat(full.message()).contains(full.points() + " points, rms log residual");
        assertThat(bare.message()).contains("no diagnostics");
    }

    @Test
    void aFitWithoutAnnealingKeepsItsDiagnostics() {
        // Its forecast's point needs the interval machinery (annealing prior), so the covariance stays.
        List<RunObservations> data = List.of(RunObservations.of(RealCurves.load("mpl-25m", "constant_24000")));
        FitResult bare = LawFitter.create(MultiPowerLaw.create()).withDiagnostics(false).fit(data);
        assertThat(bare.ok()).as(bare.toString()).isTrue();
        assertThat(bare.annealingIdentified()).isFalse();
        assertThat(bare.covariance()).hasDimensions(7, 7);
        assertThat(bare.rmsLogResidual()).isPositive();
    }

    @Test
    void theCacheAnswersTheAnnealingCheckAsTheScheduleDoes() {
        List<RunObservations> data = runs("mpl-25m");
        PreparedCurveCache cache = PreparedCurveCache.create();
        for (RunObservations r : data) {
            long[] post = PreparedCurveCache.postWarmupSteps(r);
            long last = post[post.length - 1];
            boolean expected = LawFitter.annealedBy(r.schedule(), last);
            assertThat(cache.annealed(r, last)).as(r.name()).isEqualTo(expected);
            assertThat(cache.annealed(r, last)).as(r.name()).isEqualTo(expected);
        }
        assertThat(cache.annealed(data.get(0), 24_000)).isTrue();
        assertThat(cache.annealed(data.get(1), 24_000)).isFalse();
        FitResult through = LawFitter.create(MultiPowerLaw.create()).fit(data, cache);
        FitResult plain = LawFitter.create(MultiPowerLaw.create()).fit(data);
        assertThat(through.params()).containsExactly(plain.params());
    }

    private static LawProblem problem(List<RunObservations> runs) {
        MultiPowerLaw law = MultiPowerLaw.create();
        List<dev.runlaw.math.schedule.LrSchedule> schedules = new ArrayList<>();
        List<long[]> steps = new ArrayList<>();
        List<double[]> losses = new ArrayList<>();
        List<double[]> weights = new ArrayList<>();
        double min = Double.POSITIVE_INFINITY;
        for (RunObservations r : runs) {
            long[] post = PreparedCurveCache.postWarmupSteps(r);
            double[] l = new double[post.length];
            long[] all = r.steps();
            double[] allL = r.losses();
            int k = 0;
            for (int i = 0; i < all.length; i++) {
                if (k < post.length && all[i] == post[k]) {
                    l[k++] = allL[i];
                    min = Math.min(min, allL[i]);
                }
            }
            schedules.add(r.schedule());
            steps.add(post);
            losses.add(l);
            double[] w = new double[post.length];
            java.util.Arrays.fill(w, 1);
            weights.add(w);
        }
        ScheduleRuns data = new ScheduleRuns(law, schedules, steps, losses, true);
        return new LawProblem(law, data, losses, weights, min, new boolean[7], new double[7], 1e-3, false, null, 0);
    }
}
