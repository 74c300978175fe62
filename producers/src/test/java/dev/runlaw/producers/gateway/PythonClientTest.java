package dev.runlaw.producers.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs the Python client's own unit tests ({@code src/test/python/test_runlaw_client.py}: retries, drops, never
 * raising, lifecycle statuses, alerts and batch advice with their callbacks, the noise-scale fields) and {@code runlaw_torch}'s
 * ({@code test_runlaw_torch.py}: the router and probe tests need torch and are skipped without it; one test is
 * skipped with it) with the first {@code python3} on PATH. The real gateway is in the ITs.
 */
class PythonClientTest {
    @Test
    @Timeout(120)
    void pythonClientUnitTestsPass() throws IOException, InterruptedException {
        Process p = new ProcessBuilder(PythonProcess.python3().toString(), "-m", "unittest", "discover", "-v",
                "-s", "src/test/python", "-p", "test_*.py").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        // Without torch the three torch tests skip; with it, only the one that checks the message for a missing torch.
        assertThat(out).contains("Ran 22 tests").contains(hasTorch() ? "OK (skipped=1)" : "OK (skipped=3)");
    }

    private static boolean hasTorch() throws IOException, InterruptedException {
        Process p = new ProcessBuilder(PythonProcess.python3().toString(), "-c", "import torch")
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return p.exitValue() == 0;
    }
}
