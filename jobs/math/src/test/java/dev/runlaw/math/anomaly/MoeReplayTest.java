package dev.runlaw.math.anomaly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runlaw.math.data.RunFormatException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Parsing and error reporting of {@link MoeReplay}. */
class MoeReplayTest {
    private static final AnomalySettings DEFAULTS = AnomalySettings.defaults();

    private static MoeReplay.Result replay(String... lines) {
        return MoeReplay.replay("load.csv", List.of(lines), DEFAULTS);
    }

    @Test
    void readsDroppedTokensAndIgnoresOtherColumns() {
        List<String> lines = new ArrayList<>(List.of("layer,aux_loss,step,tokens_per_expert,dropped_tokens"));
        for (int s = 0; s < 100; s++) {
            lines.add("0,1.0," + s + ",100 100 100 100," + (s >= 50 ? "200" : "4"));
            lines.add("1,1.0," + s + ",100 100 100 100,");
        }
        MoeReplay.Result r = MoeReplay.replay("load.csv", lines, DEFAULTS);
        assertThat(r.rows()).isEqualTo(200);
        assertThat(r.steps()).isEqualTo(100);
        assertThat(r.layers()).isEqualTo(2);
        assertThat(r.alerts()).singleElement().satisfies(a -> {
            assertThat(a.kind()).isEqualTo(AlertKind.DROP_RATE);
            assertThat(a.layer()).isZero();
            assertThat(a.firstStep()).isEqualTo(50);
        });
    }

    @Test
    void countsDistinctStepsWhateverTheRowOrder() {
        MoeReplay.Result r = replay("step,layer,tokens_per_expert", "0,0,1 1", "1,0,1 1", "0,1,1 1", "1,1,1 1",
                "2,1,1 1");
        assertThat(r.steps()).isEqualTo(3);
        assertThat(r.rows()).isEqualTo(5);
    }

    @Test
    void badInputNamesFileAndLine() {
        assertError("load.csv:1:", "step,tokens_per_expert");
        assertError("load.csv:1:");
        assertError("load.csv:3: tokens_per_expert entry 1 is not an integer", "step,layer,tokens_per_expert",
                "0,0,1 2", "1,0,1 x");
        assertError("load.csv:2: tokens_per_expert entry 0 is negative", "step,layer,tokens_per_expert", "0,0,-1 2");
        assertError("load.csv:3: step 0 of layer 0 does not follow step 0", "step,layer,tokens_per_expert",
                "0,0,1 2", "0,0,1 2");
        assertError("load.csv:3: layer 0 has 2 experts", "step,layer,tokens_per_expert", "0,0,1 2", "1,0,1 2 3");
        assertError("load.csv:2: layer is not an integer", "step,layer,tokens_per_expert", "0,a,1 2");
        assertError("load.csv:2: expected 3 columns", "step,layer,tokens_per_expert", "0,0");
        assertError("load.csv:2: tokens_per_expert is empty", "step,layer,tokens_per_expert", "0,0,");
    }

    private static void assertError(String message, String... lines) {
        assertThatThrownBy(() -> replay(lines)).isInstanceOf(RunFormatException.class)
                .hasMessageContaining(message);
    }
}
