package dev.runlaw.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runlaw.bench.ReferenceRuns;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A SciPy baseline: {@code bench/scipy_momentum_fit.py} (or {@code bench/scipy_multipower_fit.py}) run from the
 * project root on one model's fit and predict runs, and its JSON answer.
 *
 * @param wallSecondsMean mean wall time of the 81-start fit over the repeats
 * @param wallSecondsMin  fastest repeat
 * @param repeats         repeats timed
 * @param lambda          the momentum factor the script used (NaN for the multi-power script)
 * @param objective       sum of Huber(ln Lhat - ln L) at the best optimum
 * @param fitError        mean |pred - true| / true over the fit points
 * @param predEMean       mean over the predict runs of their PredE
 * @param startsConverged how many of the 81 starts L-BFGS-B reported converged
 * @param params          best parameters by name
 * @param versions        python / numpy / scipy versions
 */
public record ScipyBaseline(double wallSecondsMean, double wallSecondsMin, int repeats, double lambda,
                            double objective, double fitError, double predEMean, int startsConverged,
                            Map<String, Double> params, String versions) {
    /** The script, relative to the project root. */
    public static final String SCRIPT = "bench/scipy_momentum_fit.py";
    /** The multi-power law's script (same protocol, 81 starts over its non-linear parameters), from the root. */
    public static final String MULTIPOWER_SCRIPT = "bench/scipy_multipower_fit.py";

    /** The command line for one model. */
    public static List<String> command(String python, String model, double lambda, int repeats) {
        List<String> cmd = runsCommand(python, SCRIPT, model, repeats);
        cmd.add("--lambda");
        cmd.add(String.format(Locale.ROOT, "%s", lambda));
        return cmd;
    }

    /** The multi-power baseline's command line for one model (plain law, no prior). */
    public static List<String> multipowerCommand(String python, String model, int repeats) {
        return runsCommand(python, MULTIPOWER_SCRIPT, model, repeats);
    }

    /** {@code python script FIT... --predict PREDICT... --repeats N}: the arguments both baselines share. */
    private static List<String> runsCommand(String python, String script, String model, int repeats) {
        List<String> cmd = new ArrayList<>(List.of(python, script));
        for (String r : ReferenceRuns.FIT) {
            cmd.add(ReferenceRuns.file(model, r).toString());
        }
        cmd.add("--predict");
        for (String r : ReferenceRuns.PREDICT) {
            cmd.add(ReferenceRuns.file(model, r).toString());
        }
        cmd.add("--repeats");
        cmd.add(Integer.toString(repeats));
        return cmd;
    }

    /** Runs the momentum script from {@code root}; throws with its stderr when it fails. */
    public static ScipyBaseline run(Path root, String python, String model, double lambda, int repeats)
            throws IOException, InterruptedException {
        return run(root, command(python, model, lambda, repeats));
    }

    /** Runs the multi-power script from {@code root} ({@link ScipyBaseline#lambda()} is NaN). */
    public static ScipyBaseline runMultipower(Path root, String python, String model, int repeats)
            throws IOException, InterruptedException {
        return run(root, multipowerCommand(python, model, repeats));
    }

    private static ScipyBaseline run(Path root, List<String> command) throws IOException, InterruptedException {
        String script = command.get(1);
        Path errFile = Files.createTempFile("runlaw-scipy", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).directory(root.toFile())
                    .redirectError(errFile.toFile());
            // Single-threaded like the Java fit: an idle BLAS pool spinning on a shared machine slows SciPy 5-10x.
            for (String v : List.of("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")) {
                pb.environment().put(v, "1");
            }
            Process p = pb.start();
            // The answer is a few hundred bytes; stderr goes to a file so neither pipe can fill up.
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IOException(script + " did not finish in 10 minutes");
            }
            if (p.exitValue() != 0) {
                throw new IOException(script + " exited with " + p.exitValue() + ": "
                        + Files.readString(errFile, StandardCharsets.UTF_8).strip());
            }
            return parse(new String(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(errFile);
        }
    }

    /** Parses the script's JSON answer. */
    public static ScipyBaseline parse(String json) throws IOException {
        JsonNode n = new ObjectMapper().readTree(json);
        Map<String, Double> params = new LinkedHashMap<>();
        n.path("params").fields().forEachRemaining(e -> params.put(e.getKey(), e.getValue().asDouble()));
        JsonNode pred = n.path("pred_e_mean");
        return new ScipyBaseline(required(n, "wall_seconds_mean"), required(n, "wall_seconds_min"),
                n.path("wall_seconds").size(), n.path("lambda").isNumber() ? n.get("lambda").asDouble() : Double.NaN,
                required(n, "objective"),
                required(n, "fit_error"), pred.isNumber() ? pred.asDouble() : Double.NaN,
                n.path("starts_converged").asInt(), params,
                "python " + n.path("python").asText() + ", numpy " + n.path("numpy").asText() + ", scipy "
                        + n.path("scipy").asText());
    }

    private static double required(JsonNode n, String field) throws IOException {
        JsonNode v = n.get(field);
        if (v == null || !v.isNumber()) {
            throw new IOException(SCRIPT + ": answer lacks numeric field " + field);
        }
        return v.asDouble();
    }

    /**
     * The first interpreter that imports numpy and scipy: {@code python3} on the PATH, else Debian's
     * {@code /usr/bin/python3} (where {@code apt-get install python3-scipy} puts them when the PATH's python3 is
     * another installation, e.g. pyenv's).
     */
    public static java.util.Optional<String> findPython() {
        for (String exe : java.util.List.of("python3", "/usr/bin/python3")) {
            try {
                Process p = new ProcessBuilder(exe, "-c", "import numpy, scipy").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return java.util.Optional.of(exe);
                }
            } catch (java.io.IOException e) {
                // not installed: try the next one
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return java.util.Optional.empty();
            }
        }
        return java.util.Optional.empty();
    }
}
