package dev.runlaw.math.anomaly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** HOT_LINK over seeded all-to-all traffic matrices. */
class LinkDetectorTest {
    private static final AnomalySettings DEFAULTS = AnomalySettings.defaults();
    private static final int N = 8;

    /** Uniform all-to-all traffic with ±20 % noise; {@code hot} multiplies the 2 → 5 pair. */
    private static long[] traffic(Random rnd, double hot) {
        long[] b = new long[N * N];
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < N; j++) {
                b[i * N + j] = i == j ? 5_000_000 : (long) (1_000_000 * (0.8 + 0.4 * rnd.nextDouble()));
            }
        }
        b[2 * N + 5] = (long) (b[2 * N + 5] * hot);
        return b;
    }

    @Test
    void uniformTrafficIsQuietAndASustainedHotPairIsNamed() {
        Random rnd = new Random(1);
        LinkDetector d = new LinkDetector(Alert.NO_LAYER, DEFAULTS);
        List<Alert> events = new ArrayList<>();
        for (long s = 0; s < 500; s++) {
            // A lone hot step at 50 must not fire; a sustained one from 200 to 239 must.
            double hot = s == 50 || (s >= 200 && s < 240) ? 8 : 1;
            events.addAll(d.onTraffic(s, traffic(rnd, hot), N));
        }
        assertThat(events).hasSize(2);
        Alert open = events.get(0);
        assertThat(open.kind()).isEqualTo(AlertKind.HOT_LINK);
        assertThat(open.firstStep()).isEqualTo(200);
        assertThat(open.detectedStep()).isEqualTo(200 + DEFAULTS.moe().hotLinkSteps() - 1);
        assertThat(open.message()).contains("device 2 -> 5");
        assertThat(open.value()).isGreaterThan(DEFAULTS.moe().hotLinkRatio());
        assertThat(events.get(1).lastStep()).isEqualTo(239);
    }

    @Test
    void restoredStateContinuesTheOpenAlert() {
        Random rnd = new Random(2);
        LinkDetector a = new LinkDetector(4, DEFAULTS);
        for (long s = 0; s < 10; s++) {
            a.onTraffic(s, traffic(rnd, 10), N);
        }
        LinkDetector b = LinkDetector.fromBytes(a.toBytes(), DEFAULTS);
        List<Alert> fromB = new ArrayList<>();
        for (long s = 10; s < 60; s++) {
            fromB.addAll(b.onTraffic(s, traffic(rnd, 1), N));
        }
        assertThat(fromB).singleElement().satisfies(r -> {
            assertThat(r.state()).isEqualTo(AlertState.RESOLVED);
            assertThat(r.layer()).isEqualTo(4);
            assertThat(r.lastStep()).isEqualTo(9);
        });
    }

    @Test
    void refusesAMatrixOfTheWrongSizeOrNegativeBytes() {
        LinkDetector d = new LinkDetector(0, DEFAULTS);
        assertThatThrownBy(() -> d.onTraffic(0, new long[5], 2)).hasMessageContaining("needs 2x2");
        assertThatThrownBy(() -> d.onTraffic(0, new long[]{0, -1, 1, 0}, 2)).hasMessageContaining("negative");
    }

    @Test
    void aHotLinkStillOpenWhenTheRunEndsResolvesAtItsLastStep() {
        Random rnd = new Random(3);
        LinkDetector d = new LinkDetector(1, DEFAULTS);
        List<Alert> events = new ArrayList<>();
        for (long s = 0; s < 30; s++) {
            events.addAll(d.onTraffic(s, traffic(rnd, s >= 10 ? 8 : 1), N));
        }
        assertThat(events).singleElement().satisfies(a -> assertThat(a.isOpen()).isTrue());
        assertThat(d.closeAll()).singleElement().satisfies(r -> {
            assertThat(r.state()).isEqualTo(AlertState.RESOLVED);
            assertThat(r.firstStep()).isEqualTo(10);
            assertThat(r.lastStep()).isEqualTo(29);
            assertThat(r.layer()).isEqualTo(1);
        });
        assertThat(d.closeAll()).isEmpty();
    }
}
