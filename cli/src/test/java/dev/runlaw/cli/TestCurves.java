package dev.runlaw.cli;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real loss curves the cli tests replay, import and fit (Luo et al. 2025, MIT), copied into this module's test
 * resources under {@code loss-curves/<family>/}; provenance, license and checksums in {@code loss-curves/NOTICE.md}.
 * The tests read them from there, never from outside the repository.
 */
public final class TestCurves {
    private TestCurves() {
    }

    /** The {@code loss-curves} folder (what {@code ReferenceRuns} calls its data folder). */
    public static Path root() {
        URL url = TestCurves.class.getClassLoader().getResource("loss-curves/NOTICE.md");
        if (url == null) {
            throw new IllegalStateException("loss-curves/ missing from the test resources (cli/src/test/resources)");
        }
        try {
            return Path.of(url.toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("bad resource URL " + url, e);
        }
    }

    /** The folder of one model family, e.g. {@code mpl-25m}. */
    public static Path dir(String family) {
        Path d = root().resolve(family);
        if (!Files.isDirectory(d)) {
            throw new IllegalStateException("no test curves of " + family + " in " + root());
        }
        return d;
    }
}
