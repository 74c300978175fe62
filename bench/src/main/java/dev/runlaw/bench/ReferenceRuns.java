package dev.runlaw.bench;

import dev.runlaw.math.data.RunCurve;
import dev.runlaw.math.data.RunCurveParser;
import dev.runlaw.math.fit.RunObservations;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The real loss curves the benchmarks fit: the multi-power-law paper's runs (Luo et al. 2025, arXiv 2503.12811)
 * in the project's run format, under {@code ../shared/data/loss-curves/<model>/} of the project root (see that
 * folder's README for provenance). The authors' protocol fits {@link #FIT} jointly and predicts {@link #PREDICT}.
 *
 * <p>These files are a development data set beside the repository, not part of it: the benchmarks are dev tools and
 * say which files are missing ({@link #missingFiles}); the tests use copies in their own test resources.
 */
public final class ReferenceRuns {
    /** System property naming the project root; the data lie at {@code <root>/../shared/data/loss-curves}. */
    public static final String ROOT_PROPERTY = "runlaw.project.root";
    /** System property naming the loss-curves folder directly (overrides the root). */
    public static final String DATA_PROPERTY = "runlaw.bench.data";
    /** The two model sizes. */
    public static final List<String> MODELS = List.of("mpl-25m", "mpl-100m");
    /** The runs fitted jointly. */
    public static final List<String> FIT = List.of("cosine_24000", "constant_24000", "wsdcon_9");
    /** The runs predicted from that fit. */
    public static final List<String> PREDICT = List.of("constant_72000", "cosine_72000", "wsd_20000_24000",
            "wsdld_20000_24000", "wsdcon_3", "wsdcon_18");

    private ReferenceRuns() {
    }

    /** The loss-curves folder: {@value #DATA_PROPERTY}, else {@code <root>/../shared/data/loss-curves}. */
    public static Path dataDir() {
        String d = System.getProperty(DATA_PROPERTY);
        if (d != null) {
            return Path.of(d);
        }
        String root = System.getProperty(ROOT_PROPERTY, ".");
        return Path.of(root).toAbsolutePath().normalize().resolve("../shared/data/loss-curves").normalize();
    }

    /** The CSV file of one run of one model. */
    public static Path file(String model, String run) {
        return dataDir().resolve(model).resolve(run + ".csv");
    }

    /** The files of {@link #FIT} and {@link #PREDICT} of these models that are not there, in that order. */
    public static List<Path> missingFiles(List<String> models) {
        List<Path> missing = new ArrayList<>();
        for (String m : models) {
            for (List<String> runs : List.of(FIT, PREDICT)) {
                for (String r : runs) {
                    Path p = file(m, r);
                    if (!Files.isRegularFile(p)) {
                        missing.add(p);
                    }
                }
            }
        }
        return missing;
    }

    /** Parses one run; a missing file is an error naming the file and the data set it belongs to. */
    public static RunCurve curve(String model, String run) {
        Path p = file(model, run);
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("missing " + p + ": the benchmarks read the real loss curves of "
                    + "../shared/data/loss-curves beside the project root (or -D" + DATA_PROPERTY + "=DIR)");
        }
        try {
            return RunCurveParser.parse(p.toString(), run, Files.readAllLines(p));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p, e);
        }
    }

    /** Parses runs of one model. */
    public static List<RunCurve> curves(String model, List<String> runs) {
        List<RunCurve> out = new ArrayList<>();
        for (String r : runs) {
            out.add(curve(model, r));
        }
        return out;
    }

    /** All measured points of each run, under its own LR column: the fitter's input. */
    public static List<RunObservations> observations(List<RunCurve> curves) {
        List<RunObservations> out = new ArrayList<>();
        for (RunCurve c : curves) {
            out.add(RunObservations.of(c));
        }
        return out;
    }
}
