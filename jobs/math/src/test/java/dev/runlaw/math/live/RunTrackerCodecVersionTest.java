package dev.runlaw.math.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The tracker's state versions: version 2 leaves the planned track out when it is the spec's; bytes written by
 * version 1 (a fixture made by the session-6 code from {@link #fixture()}, {@code live/run-tracker-v1.bin}) still
 * decode to the same tracker.
 */
class RunTrackerCodecVersionTest {
    private static final String V1_FIXTURE = "/live/run-tracker-v1.bin";

    /**
     * The fixture: a cosine plan of 200,000 steps as a spec (as {@code bench forecast} declares it), 1,000 steps
     * with a loss at every step (seeded noise), no forecast (so the bytes depend on bookkeeping alone, not on the
     * fit). Uses only API that version 1 had.
     */
    static RunTracker fixture() {
        RunTracker t = RunTracker.create("bench-00042", "bench-2");
        t.plan(new ScheduleSpec("COSINE", 50, 0, 3e-4, 3e-5, 50, 200_000, new long[0], 0.1, 0), null, 200_000);
        SplittableRandom rnd = new SplittableRandom(42);
        double s1 = 0;
        for (int s = 0; s < 1_000; s++) {
            double lr = s < 50 ? 3e-4 * s / 49
                    : 3e-5 + 0.5 * (3e-4 - 3e-5) * (1 + Math.cos(Math.PI * (s - 50) / (200_000 - 50)));
            s1 += s < 50 ? 3e-4 : lr;
            double loss = 2.0 + 2.4 * Math.pow(Math.max(s1, 1e-9), -0.4) * (1 + 0.003 * rnd.nextGaussian());
            t.observe(s, lr, loss, 1_000L * s);
        }
        return t;
    }

    /** Writes {@link #fixture()}'s bytes to {@code args[0]}: run once with the version-1 code to make the fixture. */
    public static void main(String[] args) throws IOException {
        Files.write(Path.of(args[0]), fixture().toBytes());
    }

    private static byte[] v1Bytes() throws IOException {
        try (InputStream in = RunTrackerCodecVersionTest.class.getResourceAsStream(V1_FIXTURE)) {
            assertThat(in).as(V1_FIXTURE).isNotNull();
            return in.readAllBytes();
        }
    }

    @Test
    void versionOneBytesDecodeToTheSameTrackerAsTheCurrentCodeBuilds() throws IOException {
        byte[] v1 = v1Bytes();
        assertThat(v1[0]).isEqualTo((byte) 1);
        RunTracker old = RunTracker.fromBytes(v1);
        RunTracker now = fixture();
        // Re-encoded (as version 2), the old state is byte for byte the state the current code builds.
        assertThat(old.toBytes()).isEqualTo(now.toBytes());
        assertThat(old.plannedLr().knotSteps()).isEqualTo(now.plannedLr().knotSteps());
        assertThat(old.plannedLr().knotValues()).isEqualTo(now.plannedLr().knotValues());
        // ... and forecasts the same, exactly.
        ForecastSettings settings = ForecastSettings.defaults();
        LiveForecast a = old.forecast(List.of(), settings);
        LiveForecast b = now.forecast(List.of(), settings);
        assertThat(a.finalForecast()).isEqualTo(b.finalForecast());
        assertThat(a.curve()).isEqualTo(b.curve());
        assertThat(a.whatIfs()).isEqualTo(b.whatIfs());
    }

    @Test
    void versionTwoLeavesTheSpecsPlannedTrackOutAndRebuildsItExactly() throws IOException {
        RunTracker t = fixture();
        byte[] v2 = t.toBytes();
        assertThat(v2[0]).isEqualTo((byte) 2);
        int knots = t.plannedLr().knotCount();
        assertThat(knots).isGreaterThan(100);
        // The track's knots (16 bytes each) are what version 2 saves.
        assertThat(v1Bytes().length - v2.length).isGreaterThanOrEqualTo(16 * knots);
        RunTracker back = RunTracker.fromBytes(v2);
        assertThat(back.toBytes()).isEqualTo(v2);
        assertThat(back.plannedLr().knotSteps()).isEqualTo(t.plannedLr().knotSteps());
        assertThat(back.plannedFinalStep()).isEqualTo(t.plannedFinalStep());
    }

    @Test
    void aPerStepPlanIsStillWrittenAsATrack() {
        RunTracker t = RunTracker.create("r", "f");
        double[] lr = new double[3_000];
        for (int i = 0; i < lr.length; i++) {
            lr[i] = i < 100 ? 3e-4 * i / 99 : 3e-4 * (1 - 0.9 * (i - 100) / 2_900.0);
        }
        t.plan(null, lr, lr.length);
        t.observe(0, 0, 3.0, 0);
        RunTracker back = RunTracker.fromBytes(t.toBytes());
        assertThat(back.toBytes()).isEqualTo(t.toBytes());
        assertThat(back.plannedLr().knotSteps()).isEqualTo(t.plannedLr().knotSteps());
        assertThat(back.spec()).isNull();
    }

    @Test
    void anInvalidSpecWithAPerStepPlanKeepsTheTrackAndNoSpec() {
        RunTracker t = RunTracker.create("r", "f");
        t.plan(new ScheduleSpec("CUSTOM", 0, 0, 3e-4, 0, 0, 1_000, new long[0], 0.1, 0), new double[] {1e-4, 2e-4,
                3e-4}, 3);
        assertThat(t.spec()).isNull();
        RunTracker back = RunTracker.fromBytes(t.toBytes());
        assertThat(back.plannedLr().knotSteps()).isEqualTo(t.plannedLr().knotSteps());
        assertThat(back.toBytes()).isEqualTo(t.toBytes());
    }

    @Test
    void aPlanFromASpecMarkerWithoutASpecIsRefused() {
        RunTracker t = RunTracker.create("r", "f");
        t.plan(null, new double[] {1e-4, 2e-4}, 2);
        byte[] b = t.toBytes();
        // The marker follows runId, familyId, the spec flag (false) and the spec error flag (false).
        int at = 1 + 2 + 1 + 2 + 1 + 1 + 1;
        assertThat(b[at]).isEqualTo((byte) 1);
        b[at] = 2;
        assertThatThrownBy(() -> RunTracker.fromBytes(b)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no spec");
        b[at] = 7;
        assertThatThrownBy(() -> RunTracker.fromBytes(b)).hasMessageContaining("marker 7");
    }
}
