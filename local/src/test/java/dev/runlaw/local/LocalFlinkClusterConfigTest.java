package dev.runlaw.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LocalFlinkClusterConfigTest {
    private final Path dir = Path.of("/tmp/runlaw-flink-test");

    @Test
    void bindsEverythingTo127001OnTheGivenPortsWithSharedCheckpointAndSavepointDirectories() {
        Map<String, String> c = LocalFlinkCluster.builder().slotsPerTaskManager(3).conf(dir, 18081, 16123);
        assertThat(c).containsEntry("rest.port", "18081").containsEntry("jobmanager.rpc.port", "16123")
                .containsEntry("rest.bind-address", "127.0.0.1").containsEntry("jobmanager.bind-host", "127.0.0.1")
                .containsEntry("taskmanager.bind-host", "127.0.0.1").containsEntry("taskmanager.host", "127.0.0.1")
                .containsEntry("taskmanager.numberOfTaskSlots", "3").containsEntry("taskmanager.cpu.cores", "3")
                .containsEntry("execution.checkpointing.dir", "file:///tmp/runlaw-flink-test/checkpoints")
                .containsEntry("execution.checkpointing.savepoint-dir", "file:///tmp/runlaw-flink-test/savepoints");
        // TaskExecutorResourceSpec refuses to start without these when no script computed them.
        assertThat(c).containsKeys("taskmanager.memory.task.heap.size", "taskmanager.memory.managed.size",
                "taskmanager.memory.jvm-overhead.min", "taskmanager.memory.jvm-overhead.max",
                "taskmanager.memory.jvm-metaspace.size");
        assertThat(c.get("taskmanager.memory.jvm-overhead.min")).isEqualTo(c.get("taskmanager.memory.jvm-overhead.max"));
    }

    @Test
    void extraEntriesOverrideTheDefaults() {
        Map<String, String> c = LocalFlinkCluster.builder().config("heartbeat.timeout", "50000")
                .config("state.backend.type", "rocksdb").conf(dir, 1, 2);
        assertThat(c).containsEntry("heartbeat.timeout", "50000").containsEntry("state.backend.type", "rocksdb");
    }
}
