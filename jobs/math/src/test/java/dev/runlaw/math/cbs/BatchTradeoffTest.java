package dev.runlaw.math.cbs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class BatchTradeoffTest {
    @Test
    void factorsAtTheCriticalBatchAreBothTwo() {
        assertThat(BatchTradeoff.stepsFactor(1000, 1000)).isEqualTo(2);
        assertThat(BatchTradeoff.tokensFactor(1000, 1000)).isEqualTo(2);
        assertThat(BatchTradeoff.stepsFactor(100, 1000)).isCloseTo(11, within(1e-12));
        assertThat(BatchTradeoff.tokensFactor(10_000, 1000)).isCloseTo(11, within(1e-12));
        assertThat(BatchTradeoff.adamTimescale(512, 1e-3, 0.1, 1e6)).isCloseTo(5.12, within(1e-12));
        assertThatThrownBy(() -> BatchTradeoff.stepsFactor(0, 5)).hasMessageContaining("batch");
        assertThatThrownBy(() -> BatchTradeoff.adamTimescale(1, 1, Double.NaN, 1)).hasMessageContaining("weightDecay");
    }
}
