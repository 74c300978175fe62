package dev.runlaw.math.anomaly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link LinkSteps}: the same seeded all-to-all traffic fed pair by pair gives exactly the alerts of
 * {@link LinkDetector} fed whole matrices; the last step is judged when the run ends.
 */
class LinkStepsTest {
    private static final AnomalySettings DEFAULTS = AnomalySettings.defaults();
    private static final int N = 4;

    private static long[] traffic(Random rnd, double hot) {
        long[] b = new long[N * N];
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < N; j++) {
                b[i * N + j] = i == j ? 9_000_000 : (long) (1_000_000 * (0.8 + 0.4 * rnd.nextDouble()));
            }
        }
        b[3 * N + 0] = (long) (b[3 * N + 0] * hot);
        return b;
    }

    @Test
    void pairByPairGivesTheAlertsOfWholeMatrices() {
        Random rnd = new Random(5);
        LinkDetector whole = new LinkDetector(2, DEFAULTS);
        LinkSteps pairs = LinkSteps.create(2, DEFAULTS);
        List<Alert> expected = new ArrayList<>();
        List<Alert> got = new ArrayList<>();
        for (long s = 0; s < 300; s++) {
            long[] b = traffic(rnd, (s >= 100 && s < 140) || s >= 290 ? 9 : 1);
            expected.addAll(whole.onTraffic(s, b, N));
            for (int i = 0; i < N; i++) {
                for (int j = 0; j < N; j++) {
                    got.addAll(pairs.onBytes(s, i, j, b[i * N + j]));
                }
            }
            if (s == 150) {
                // A restored state continues where it left off.
                pairs = LinkSteps.fromBytes(pairs.toBytes(), DEFAULTS);
            }
        }
        expected.addAll(whole.closeAll());
        got.addAll(pairs.closeAll());
        assertThat(got).isEqualTo(expected);
        assertThat(got).extracting(Alert::kind, Alert::state, Alert::firstStep, Alert::lastStep).containsExactly(
                org.assertj.core.groups.Tuple.tuple(AlertKind.HOT_LINK, AlertState.OPEN, 100L, -1L),
                org.assertj.core.groups.Tuple.tuple(AlertKind.HOT_LINK, AlertState.RESOLVED, 100L, 139L),
                org.assertj.core.groups.Tuple.tuple(AlertKind.HOT_LINK, AlertState.OPEN, 290L, -1L),
                org.assertj.core.groups.Tuple.tuple(AlertKind.HOT_LINK, AlertState.RESOLVED, 290L, 299L));
        assertThat(got.get(0).message()).contains("layer 2: device 3 -> 0");
    }

    @Test
    void lateRecordsAreDroppedAndBadOnesRefused() {
        LinkSteps l = LinkSteps.create(Alert.NO_LAYER, DEFAULTS);
        l.onBytes(5, 0, 1, 10);
        l.onBytes(4, 1, 0, 10);
        assertThat(l.lateRecords()).isEqualTo(1);
        assertThatThrownBy(() -> l.onBytes(6, -1, 0, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1 -> 0");
        assertThatThrownBy(() -> LinkSteps.fromBytes(new byte[] {9}, DEFAULTS))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("LinkSteps");
    }
}
