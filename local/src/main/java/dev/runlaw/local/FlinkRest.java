package dev.runlaw.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The few calls of Flink's REST API that running jobs on a session cluster needs, as {@code flink run} and an
 * operator would make them: upload the job jar, run a main class with program arguments (optionally from a
 * savepoint, at a parallelism), read a job's state and where its tasks run, stop it with a savepoint, cancel it.
 * Plain {@code java.net.http}; every call fails with the status and body Flink answered.
 */
public final class FlinkRest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);

    private final URI base;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    /** A client for the REST endpoint at {@code baseUrl}, e.g. {@code http://127.0.0.1:8081}. */
    public FlinkRest(String baseUrl) {
        this.base = URI.create(baseUrl.endsWith("/") ? baseUrl : baseUrl + "/");
    }

    /** The base URL. */
    public String url() {
        String s = base.toString();
        return s.substring(0, s.length() - 1);
    }

    /** {@code GET /overview}: task managers, slots, jobs running. */
    public JsonNode overview() {
        return get("overview");
    }

    /** Uploads a job jar ({@code POST /jars/upload}) and returns its id on the cluster. */
    public String uploadJar(Path jar) {
        String boundary = "runlaw-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        try {
            body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\""
                    + jar.getFileName() + "\"\r\nContent-Type: application/x-java-archive\r\n\r\n")
                    .getBytes(StandardCharsets.UTF_8));
            body.write(Files.readAllBytes(jar));
            body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read job jar " + jar, e);
        }
        HttpRequest req = HttpRequest.newBuilder(base.resolve("jars/upload"))
                .timeout(CALL_TIMEOUT)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
                .build();
        String filename = send(req).path("filename").asText();
        // "filename" is the stored path; the jar id is its last segment.
        return filename.substring(filename.lastIndexOf('/') + 1);
    }

    /**
     * Runs {@code entryClass} of an uploaded jar with {@code args} ({@code POST /jars/:id/run}) and returns the job
     * id.
     *
     * @param savepointPath null to start without state
     */
    public String runJar(String jarId, String entryClass, List<String> args, String savepointPath) {
        ObjectNode body = JSON.createObjectNode();
        body.put("entryClass", entryClass);
        body.putArray("programArgsList").addAll(args.stream().map(JSON.getNodeFactory()::textNode).toList());
        if (savepointPath != null) {
            body.put("savepointPath", savepointPath);
            body.put("allowNonRestoredState", false);
        }
        return post("jars/" + jarId + "/run", body).path("jobid").asText();
    }

    /** A job's state: CREATED, RUNNING, RESTARTING, FAILED, CANCELED, FINISHED, ... */
    public String jobState(String jobId) {
        return get("jobs/" + jobId).path("state").asText();
    }

    /** Whether every task of the job is RUNNING (its state alone says RUNNING while tasks are still deploying). */
    public boolean allTasksRunning(String jobId) {
        JsonNode job = get("jobs/" + jobId);
        if (!"RUNNING".equals(job.path("state").asText())) {
            return false;
        }
        for (JsonNode v : job.path("vertices")) {
            if (!"RUNNING".equals(v.path("status").asText())) {
                return false;
            }
        }
        return true;
    }

    /** The task manager ids ({@code taskmanager.resource-id}) running some task of the job. */
    public Set<String> taskManagersOf(String jobId) {
        Set<String> out = new LinkedHashSet<>();
        for (JsonNode v : get("jobs/" + jobId).path("vertices")) {
            for (JsonNode tm : get("jobs/" + jobId + "/vertices/" + v.path("id").asText() + "/taskmanagers")
                    .path("taskmanagers")) {
                out.add(tm.path("taskmanager-id").asText());
            }
        }
        return out;
    }

    /**
     * A few lines an operator would look at when jobs do not come back: task managers and free slots, then per job
     * its state, each vertex's task counts by status, and the newest exception's first lines. Never throws: a part
     * it cannot read is named with the reason, since it is called when something is already wrong.
     */
    public String describe(List<String> jobIds) {
        StringBuilder b = new StringBuilder();
        try {
            JsonNode o = overview();
            b.append(String.format("cluster: %d task managers, %d of %d slots free%n", o.path("taskmanagers").asInt(),
                    o.path("slots-available").asInt(), o.path("slots-total").asInt()));
        } catch (RuntimeException e) {
            b.append("cluster: overview unreadable: ").append(e.getMessage()).append('\n');
        }
        for (String id : jobIds) {
            try {
                JsonNode job = get("jobs/" + id);
                b.append("job ").append(job.path("name").asText(id)).append(' ').append(id).append(": ")
                        .append(job.path("state").asText()).append('\n');
                for (JsonNode v : job.path("vertices")) {
                    b.append("  ").append(v.path("name").asText()).append(": ").append(v.path("status").asText())
                            .append(' ').append(v.path("tasks")).append('\n');
                }
                JsonNode entries = get("jobs/" + id + "/exceptions").path("exceptionHistory").path("entries");
                if (!entries.isEmpty()) {
                    String trace = entries.get(0).path("stacktrace").asText();
                    b.append("  newest of ").append(entries.size()).append(" exceptions: ")
                            .append(trace.lines().limit(4).reduce((x, y) -> x + "\n    " + y).orElse(""))
                            .append('\n');
                }
            } catch (RuntimeException e) {
                b.append("job ").append(id).append(": unreadable: ").append(e.getMessage()).append('\n');
            }
        }
        return b.toString();
    }

    /** Completed checkpoints of the job so far. */
    public long completedCheckpoints(String jobId) {
        return get("jobs/" + jobId + "/checkpoints").path("counts").path("completed").asLong();
    }

    /** Ids of the jobs the cluster knows, any state. */
    public List<String> jobIds() {
        List<String> out = new ArrayList<>();
        get("jobs").path("jobs").forEach(j -> out.add(j.path("id").asText()));
        return out;
    }

    /**
     * Stops the job with a savepoint in {@code targetDirectory} ({@code POST /jobs/:id/stop}, no drain) and returns
     * the savepoint's path once it completed.
     */
    public String stopWithSavepoint(String jobId, String targetDirectory, Duration timeout)
            throws InterruptedException {
        ObjectNode body = JSON.createObjectNode();
        body.put("targetDirectory", targetDirectory);
        body.put("drain", false);
        String trigger = post("jobs/" + jobId + "/stop", body).path("request-id").asText();
        JsonNode done = Await.until(timeout, "the savepoint of job " + jobId,
                () -> get("jobs/" + jobId + "/savepoints/" + trigger),
                r -> "COMPLETED".equals(r.path("status").path("id").asText()));
        JsonNode op = done.path("operation");
        if (op.has("failure-cause")) {
            throw new IllegalStateException("stop with savepoint of " + jobId + " failed: "
                    + op.path("failure-cause").path("stack-trace").asText(op.toString()));
        }
        return op.path("location").asText();
    }

    /** Cancels the job ({@code PATCH /jobs/:id?mode=cancel}); a finished job is left as it is. */
    public void cancel(String jobId) {
        HttpRequest req = HttpRequest.newBuilder(base.resolve("jobs/" + jobId + "?mode=cancel"))
                .timeout(CALL_TIMEOUT)
                .method("PATCH", HttpRequest.BodyPublishers.noBody())
                .build();
        send(req);
    }

    /** {@code GET path} as JSON. */
    public JsonNode get(String path) {
        return send(HttpRequest.newBuilder(base.resolve(path)).timeout(CALL_TIMEOUT).GET().build());
    }

    private JsonNode post(String path, JsonNode body) {
        return send(HttpRequest.newBuilder(base.resolve(path))
                .timeout(CALL_TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                .build());
    }

    private JsonNode send(HttpRequest req) {
        HttpResponse<String> r;
        try {
            r = http.send(req, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(req.method() + " " + req.uri() + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + req.method() + " " + req.uri(), e);
        }
        if (r.statusCode() / 100 != 2) {
            throw new IllegalStateException(req.method() + " " + req.uri() + " answered " + r.statusCode() + ": "
                    + r.body());
        }
        try {
            return r.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(r.body());
        } catch (IOException e) {
            throw new IllegalStateException(req.uri() + " answered no JSON: " + r.body(), e);
        }
    }
}
