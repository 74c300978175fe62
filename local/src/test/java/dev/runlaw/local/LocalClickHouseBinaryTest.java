package dev.runlaw.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LocalClickHouseBinaryTest {

    private static final Path BINARY = Path.of("/usr/sbin/clickhouse-server");

    private final List<List<String>> commands = new ArrayList<>();

    @Test
    void usesAnInstalledBinaryWithoutRunningAnything() {
        Path p = LocalClickHouse.findOrInstallBinary(() -> Optional.of(BINARY), () -> false, this::record);

        assertThat(p).isEqualTo(BINARY);
        assertThat(commands).isEmpty();
    }

    @Test
    void tellsANonRootUserHowToInstall() {
        assertThatThrownBy(() -> LocalClickHouse.findOrInstallBinary(Optional::empty, () -> false, this::record))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("apt-get install -y clickhouse-server clickhouse-client")
                .hasMessageContaining(LocalClickHouse.ENV_URL);
        assertThat(commands).isEmpty();
    }

    @Test
    void asRootInstallsAndUpdatesThePackageListOnlyIfTheFirstInstallFails() {
        List<Optional<Path>> answers = new ArrayList<>(List.of(Optional.empty(), Optional.empty(),
                Optional.of(BINARY)));

        Path p = LocalClickHouse.findOrInstallBinary(() -> answers.remove(0), () -> true, this::record);

        assertThat(p).isEqualTo(BINARY);
        assertThat(commands).containsExactly(
                List.of("apt-get", "install", "-y", "clickhouse-server", "clickhouse-client"),
                List.of("apt-get", "update"),
                List.of("apt-get", "install", "-y", "clickhouse-server", "clickhouse-client"));
    }

    @Test
    void asRootReportsAptOutputWhenInstallFails() {
        assertThatThrownBy(() -> LocalClickHouse.findOrInstallBinary(Optional::empty, () -> true,
                cmd -> record(cmd) + "E: Unable to locate package clickhouse-server\n"))
                .hasMessageContaining("Unable to locate package");
        assertThat(commands).hasSize(3);
    }

    private String record(List<String> cmd) {
        commands.add(cmd);
        return "";
    }
}
