package dev.runlaw.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.runlaw.bench.ReferenceRuns;
import dev.runlaw.math.fit.FitResult;
import dev.runlaw.math.fit.LawFitter;
import dev.runlaw.math.law.MomentumLaw;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The real SciPy script on the real 25M runs solves the same problem as the Java fitter: same optimum. */
class ScipyBaselineIT {
    static boolean scipyAvailable() {
        try {
            Process p = new ProcessBuilder("python3", "-c", "import numpy, scipy").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    @Timeout(300)
    void reachesTheJavaOptimumOnTheSamePointsAndObjective() throws Exception {
        Path root = Path.of(System.getProperty(ReferenceRuns.ROOT_PROPERTY, ".")).toAbsolutePath().normalize();
        System.setProperty(ReferenceRuns.ROOT_PROPERTY, root.toString());
        assumeTrue(Files.isDirectory(ReferenceRuns.dataDir()), "no reference data at " + ReferenceRuns.dataDir());
        assumeTrue(scipyAvailable(), "python3 with numpy and scipy not installed");

        FitResult java = LawFitter.create(MomentumLaw.withLambda(0.998))
                .fit(ReferenceRuns.observations(ReferenceRuns.curves("mpl-25m", ReferenceRuns.FIT)));
        ScipyBaseline scipy = ScipyBaseline.run(root, "python3", "mpl-25m", 0.998, 1);

        assertThat(java.ok()).isTrue();
        assertThat(scipy.startsConverged()).isPositive();
        assertThat(scipy.objective()).isCloseTo(java.objective(), within(1e-6 * java.objective()));
        assertThat(scipy.params().get("L0")).isCloseTo(java.param("L0"), within(1e-4));
        assertThat(scipy.params().get("A")).isCloseTo(java.param("A"), within(1e-4));
        assertThat(scipy.params().get("alpha")).isCloseTo(java.param("alpha"), within(1e-4));
        assertThat(scipy.params().get("C")).isCloseTo(java.param("C"), within(1e-4));
        assertThat(scipy.predEMean()).isBetween(0.0, 0.01);
    }
}
