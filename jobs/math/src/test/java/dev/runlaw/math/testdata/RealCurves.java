package dev.runlaw.math.testdata;

import dev.runlaw.math.data.RunCurve;
import dev.runlaw.math.data.RunCurveParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real loss curves the math tests use (Luo et al. 2025, MIT), copied into this module's test resources under
 * {@code loss-curves/<family>/<name>.csv}; provenance, license and checksums in {@code loss-curves/NOTICE.md}.
 * Read from the test classpath, so the tests need nothing outside the repository.
 */
public final class RealCurves {
    /** Classpath folder of the curves. */
    public static final String ROOT = "loss-curves/";

    private RealCurves() {
    }

    /**
     * The file of one curve.
     *
     * @param family {@code mpl-25m} or {@code mpl-100m}
     * @param name   the schedule name, e.g. {@code cosine_24000}
     * @throws IllegalStateException when the curve was not copied into the test resources
     */
    public static Path file(String family, String name) {
        String resource = ROOT + family + "/" + name + ".csv";
        URL url = RealCurves.class.getClassLoader().getResource(resource);
        if (url == null) {
            throw new IllegalStateException("test curve " + resource + " is not in the test resources; copy it from "
                    + "the development data set with its provenance (see src/test/resources/" + ROOT + "NOTICE.md)");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("bad resource URL " + url, e);
        }
    }

    /** Parses one curve (arguments as for {@link #file}). */
    public static RunCurve load(String family, String name) {
        Path p = file(family, name);
        try {
            return RunCurveParser.parse(p.toString(), name, Files.readAllLines(p));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p, e);
        }
    }
}
