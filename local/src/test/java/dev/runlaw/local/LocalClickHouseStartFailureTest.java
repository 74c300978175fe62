package dev.runlaw.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Start-up failures must carry the server's own words, so a broken CI run explains itself. */
class LocalClickHouseStartFailureTest {

    @TempDir
    Path dir;

    @Test
    void reportsTheServerErrorWhenItExitsBeforeAnsweringPing() throws IOException {
        Path fake = script("echo 'DB::Exception: Cannot parse config: bad tag' >&2; exit 70");

        assertThatThrownBy(() -> LocalClickHouse.start(fake))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("exited with code 70")
                .hasMessageContaining("Cannot parse config: bad tag");
    }

    @Test
    void givesUpAfterRetryingWhenPortsAreTaken() throws IOException {
        Path fake = script("echo 'Net Exception: Address already in use' | tee -a " + dir.resolve("runs")
                + "; exit 1");

        assertThatThrownBy(() -> LocalClickHouse.start(fake))
                .hasMessageContaining("could not bind its ports");
        assertThat(Files.readAllLines(dir.resolve("runs"))).as("attempts").hasSize(3);
    }

    private Path script(String body) throws IOException {
        Path p = dir.resolve("clickhouse-server");
        Files.writeString(p, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        return p;
    }
}
