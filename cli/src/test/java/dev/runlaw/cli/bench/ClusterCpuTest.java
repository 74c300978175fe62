package dev.runlaw.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code bench cluster}'s CPU accounting from /proc text: ticks, load average, cores used between snapshots. */
class ClusterCpuTest {
    /** A real TaskManager's stat line (java), utime 4521 and stime 387 ticks. */
    static final String STAT = "81234 (java) S 81200 81200 7100 0 -1 1077936384 105386 0 12 0 4521 387 0 0 20 0"
            + " 61 0 4757061 3386028032 115276 18446744073709551615 1 1 0 0 0 0 0 4096 16796879 0 0 0 17 1 0 0 0 0 0";

    @Test
    void readsUserPlusSystemTicks() {
        assertThat(ClusterCpu.cpuTicks(STAT)).isEqualTo(4521 + 387);
    }

    @Test
    void countsFieldsFromTheLastParenthesisWhenTheNameHoldsSpacesAndParentheses() {
        String odd = STAT.replace("(java)", "(my (odd) name)");
        assertThat(ClusterCpu.cpuTicks(odd)).isEqualTo(4908);
    }

    @Test
    void rejectsTextThatIsNotAStatLine() {
        assertThatThrownBy(() -> ClusterCpu.cpuTicks("hello")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a /proc/<pid>/stat line");
        assertThatThrownBy(() -> ClusterCpu.cpuTicks("1 (java) S 2 3")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("need at least 15");
        assertThatThrownBy(() -> ClusterCpu.cpuTicks(STAT.replace(" 4521 ", " x "))).isInstanceOf(
                IllegalArgumentException.class).hasMessageContaining("not numbers");
    }

    @Test
    void readsTheOneMinuteLoadAverage() {
        assertThat(ClusterCpu.loadAverage("27.29 17.88 9.79 12/1034 91234\n")).isEqualTo(27.29);
        assertThatThrownBy(() -> ClusterCpu.loadAverage("busy")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("/proc/loadavg");
    }

    @Test
    void coresUsedAreCpuSecondsOverWallSecondsForProcessesInBothSnapshots() {
        ClusterCpu.Snapshot a = new ClusterCpu.Snapshot(1_000_000_000L, Map.of("tm-1", 100L, "tm-2", 50L,
                "gone", 10L), 3.0);
        // 30 s later: tm-1 used 45 CPU-seconds (4,500 ticks), tm-2 15; "gone" exited.
        ClusterCpu.Snapshot b = new ClusterCpu.Snapshot(31_000_000_000L, Map.of("tm-1", 4_600L, "tm-2", 1_550L),
                4.0);
        Map<String, Double> cores = ClusterCpu.coresUsed(a, b);
        assertThat(cores).containsOnlyKeys("tm-1", "tm-2");
        assertThat(cores.get("tm-1")).isCloseTo(1.5, within(1e-12));
        assertThat(cores.get("tm-2")).isCloseTo(0.5, within(1e-12));
        assertThatThrownBy(() -> ClusterCpu.coresUsed(b, a)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aSnapshotOfThisJvmSeesItsOwnCpuTime() {
        long self = ProcessHandle.current().pid();
        ClusterCpu.Snapshot s = ClusterCpu.snapshot(Map.of("self", self, "none", Long.MAX_VALUE));
        assertThat(s.ticks()).containsOnlyKeys("self");
        assertThat(s.ticks().get("self")).isPositive();
        assertThat(s.load()).isGreaterThanOrEqualTo(0);
    }
}
