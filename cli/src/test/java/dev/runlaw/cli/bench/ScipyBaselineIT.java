package dev.runlaw.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.runlaw.bench.FitErrors;
import dev.runlaw.bench.ReferenceRuns;
import dev.runlaw.cli.TestCurves;
import dev.runlaw.local.ProjectRoot;
import dev.runlaw.math.fit.FitResult;
import dev.runlaw.math.fit.LawFitter;
import dev.runlaw.math.law.MomentumLaw;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The real SciPy script on the real 25M runs solves the same problem as the Java fitter: the Java objective at
 * SciPy's parameters is the objective SciPy reports (same points, S1/S2, lambda, Huber on log loss), and SciPy's
 * 81 starts reach the Java optimum or better.
 */
class ScipyBaselineIT {
    @Test
    @Timeout(300)
    void solvesTheJavaFittersProblemAndReachesItsOptimum() throws Exception {
        Path root = ProjectRoot.find();
        // The nine mpl-25m runs of the authors' protocol, copied into this module's test resources.
        String before = System.getProperty(ReferenceRuns.DATA_PROPERTY);
        System.setProperty(ReferenceRuns.DATA_PROPERTY, TestCurves.root().toString());
        try {
            check(root);
        } finally {
            if (before == null) {
                System.clearProperty(ReferenceRuns.DATA_PROPERTY);
            } else {
                System.setProperty(ReferenceRuns.DATA_PROPERTY, before);
            }
        }
    }

    private static void check(Path root) throws Exception {
        String python = ScipyBaseline.findPython()
                .orElseThrow(() -> new AssertionError("no python3 with numpy and scipy: run .ci/install-deps.sh"));

        FitResult java = LawFitter.create(MomentumLaw.withLambda(0.998))
                .fit(ReferenceRuns.observations(ReferenceRuns.curves("mpl-25m", ReferenceRuns.FIT)));
        ScipyBaseline scipy = ScipyBaseline.run(root, python, "mpl-25m", 0.998, 1);

        assertThat(java.ok()).isTrue();
        assertThat(scipy.startsConverged()).isPositive();
        double[] p = {scipy.params().get("L0"), scipy.params().get("A"), scipy.params().get("alpha"),
            scipy.params().get("C")};
        double javaAtScipy = FitErrors.huberObjective(java.law(), p,
                ReferenceRuns.curves("mpl-25m", ReferenceRuns.FIT), 1e-3);
        assertThat(scipy.objective()).isCloseTo(javaAtScipy, within(1e-9 * javaAtScipy));
        assertThat(scipy.objective()).isLessThanOrEqualTo(java.objective() * (1 + 1e-9));
        // Both optima are the same point up to the fitter's stopping rule.
        assertThat(p[0]).isCloseTo(java.param("L0"), within(1e-2));
        assertThat(p[2]).isCloseTo(java.param("alpha"), within(1e-2));
        assertThat(p[3]).isCloseTo(java.param("C"), within(1e-2));
        assertThat(scipy.predEMean()).isBetween(0.0, 0.01);
    }
}
