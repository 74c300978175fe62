package dev.runlaw.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of a JVM that started a ClickHouse server and a multi-process Flink cluster: the children die with
 * it (their watchdogs fire), and a child whose watchdog was killed too is killed, and every directory deleted, by the
 * next start's {@link ChildProcesses#cleanStale()}.
 */
@Timeout(240)
class ChildProcessesIT {
    @TempDir
    Path stateDir;
    private Process holder;
    private final List<ProcessHandle> started = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        if (holder != null) {
            holder.destroyForcibly();
        }
        started.forEach(ProcessHandle::destroyForcibly);
        System.clearProperty(ChildProcesses.PROPERTY_STATE_DIR);
    }

    @Test
    void serversDieWithTheirKilledParentAndTheNextStartCleansWhatAWatchdogMissed() throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-D" + ChildProcesses.PROPERTY_STATE_DIR + "=" + stateDir,
                "-D" + ProjectRoot.PROPERTY + "=" + ProjectRoot.find(),
                "-cp", System.getProperty("java.class.path"), ServerHolder.class.getName()));
        holder = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String[] line = readPidsLine(holder);
        ProcessHandle clickHouse = handle(line[1]);
        ProcessHandle jobManager = handle(line[2]);
        ProcessHandle taskManager = handle(line[3]);
        Path chDir = Path.of(line[5]);
        Path flinkDir = Path.of(line[6]);
        started.addAll(List.of(clickHouse, jobManager, taskManager));
        assertThat(Files.list(stateDir).count()).as("records of the holder's children").isEqualTo(3);

        // Take away ClickHouse's watchdog (a shell child of the holder whose command names the server's pid), so
        // only the stale-record cleanup can stop that server.
        ProcessHandle chWatchdog = holder.toHandle().children()
                .filter(h -> h.info().arguments().map(a -> String.join(" ", a)).orElse("")
                        .contains("kill -9 " + clickHouse.pid()))
                .findFirst().orElseThrow();
        chWatchdog.destroyForcibly();
        chWatchdog.onExit().get(10, TimeUnit.SECONDS);

        long t0 = System.nanoTime();
        holder.destroyForcibly(); // SIGKILL: no shutdown hook runs
        holder.waitFor(10, TimeUnit.SECONDS);
        Await.until(Duration.ofSeconds(20), "the Flink JVMs to die with their parent",
                () -> !jobManager.isAlive() && !taskManager.isAlive());
        long diedMs = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("Flink JobManager and TaskManager gone %d ms after kill -9 of their parent%n", diedMs);
        assertThat(clickHouse.isAlive()).as("ClickHouse without its watchdog").isTrue();
        assertThat(chDir).exists();
        assertThat(flinkDir).exists();

        System.setProperty(ChildProcesses.PROPERTY_STATE_DIR, stateDir.toString());
        assertThat(ChildProcesses.cleanStale()).isEqualTo(3);
        assertThat(clickHouse.isAlive()).as("stale ClickHouse after cleanStale").isFalse();
        assertThat(chDir).doesNotExist();
        assertThat(flinkDir).doesNotExist();
        assertThat(Files.list(stateDir).count()).isZero();
        assertThat(ChildProcesses.cleanStale()).as("nothing left to clean").isZero();
    }

    private static String[] readPidsLine(Process p) throws Exception {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = r.readLine()) != null) {
            if (line.startsWith("pids ")) {
                return line.split(" ");
            }
        }
        throw new IllegalStateException("the holder JVM exited (" + p.waitFor() + ") before starting its servers");
    }

    private static ProcessHandle handle(String pid) {
        Optional<ProcessHandle> h = ProcessHandle.of(Long.parseLong(pid));
        assertThat(h).as("process " + pid).isPresent();
        return h.get();
    }
}
