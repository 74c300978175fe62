package dev.runlaw.producers;

import dev.runlaw.math.data.RunCurve;
import dev.runlaw.math.data.RunCurveParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * Real loss curves bundled in this jar under {@code runlaw/sample-runs/} (see {@code NOTICE.md} there for
 * provenance and license: Luo et al., ICLR 2025, MIT): 25M- and 100M-parameter Llama-style runs with cosine,
 * constant and WSD schedules, 24000 steps each. Their losses are validation losses every 128 steps.
 */
public final class SampleRuns {
    private static final String ROOT = "runlaw/sample-runs/";
    /** Facts about the runs the curves come from (Luo et al., 2025, section 4 and the data README). */
    private static final Map<String, Long> PARAMS = Map.of("mpl-25m", 25_000_000L, "mpl-100m", 100_000_000L);
    /** 0.5M tokens per batch; the paper gives no finer figure. */
    public static final long BATCH_TOKENS = 500_000L;

    private SampleRuns() {
    }

    /**
     * One bundled curve.
     *
     * @param familyId model family, {@code mpl-25m} or {@code mpl-100m}; runs of one family share a model
     * @param name     schedule name, e.g. {@code cosine_24000}
     * @param resource classpath resource of the CSV
     */
    public record Sample(String familyId, String name, String resource) {
        /** A run id for a replay of this sample: {@code <family>-<name>}, e.g. {@code mpl-25m-cosine_24000}. */
        public String runId() {
            return familyId + "-" + name;
        }

        /** Parameter count of the family's model. */
        public long totalParams() {
            return PARAMS.getOrDefault(familyId, 0L);
        }

        /** Parses the bundled CSV. */
        public RunCurve load() {
            ClassLoader cl = SampleRuns.class.getClassLoader();
            try (InputStream in = cl.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("sample run resource missing from the classpath: " + resource);
                }
                BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                return RunCurveParser.parse("classpath:" + resource, name, () -> r.lines().iterator());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + resource, e);
            }
        }

        /**
         * A replayer for this sample with its run id, family, model size, batch tokens and a {@code source} tag
         * naming the bundled file. Further options via the replayer's {@code with*} methods.
         */
        public RunReplayer replayer() {
            return RunReplayer.create(load(), runId())
                    .withFamilyId(familyId)
                    .withTotalParams(totalParams())
                    .withBatchTokens(BATCH_TOKENS)
                    .withSource("classpath:" + resource);
        }
    }

    /** All bundled samples, in index order. */
    public static List<Sample> list() {
        ClassLoader cl = SampleRuns.class.getClassLoader();
        List<Sample> out = new ArrayList<>();
        try (InputStream in = cl.getResourceAsStream(ROOT + "index.txt")) {
            if (in == null) {
                throw new IllegalStateException("missing " + ROOT + "index.txt on the classpath");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            while ((line = r.readLine()) != null) {
                line = line.trim();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                int slash = line.indexOf('/');
                String family = line.substring(0, slash);
                String file = line.substring(slash + 1);
                out.add(new Sample(family, file.substring(0, file.length() - ".csv".length()), ROOT + line));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + ROOT + "index.txt", e);
        }
        return List.copyOf(out);
    }

    /** The sample with this run id ({@code mpl-25m-cosine_24000}) or family and name ({@code mpl-25m/cosine_24000}). */
    public static Sample get(String id) {
        for (Sample s : list()) {
            if (s.runId().equals(id) || (s.familyId() + "/" + s.name()).equals(id)) {
                return s;
            }
        }
        throw new NoSuchElementException("no sample run '" + id + "'; have " + list().stream().map(Sample::runId).toList());
    }
}
