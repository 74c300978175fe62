package dev.runlaw.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runlaw.math.law.MomentumLaw;
import dev.runlaw.math.online.OnlineRunState;
import dev.runlaw.math.schedule.LrSchedule;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class OnlineReplayTest {
    static OnlineReplay replay() {
        LrSchedule sch = LrSchedule.cosine(6000, 500, 3e-4, 3e-5);
        double[] p = {3.0, 0.5, 0.6, 0.8};
        MomentumLaw law = MomentumLaw.withLambda(0.998);
        double[] loss = new double[sch.length()];
        Arrays.fill(loss, Double.NaN);
        for (int s = 600; s < sch.length(); s += 100) {
            loss[s] = law.predict(p, sch, s);
        }
        return new OnlineReplay(0, sch.toArray(), loss);
    }

    @Test
    void refitsAfterEveryMeasuredLossUnderTheStrictestPolicy() {
        OnlineReplay r = replay();
        OnlineRunState s = OnlineRunState.create(0);
        int refits = r.feedAll(s, OnlineReplay.EVERY_MEASURED_POINT);
        assertThat(refits).isEqualTo(54);
        assertThat(s.lastStep()).isEqualTo(5999);
        assertThat(s.lastFit().ok()).as(s.lastFit().toString()).isTrue();
        assertThat(s.totalWeight()).isEqualTo(54);
    }

    @Test
    void appendsWithoutRefitsWhenTheCadenceIsZero() {
        OnlineReplay r = replay();
        OnlineRunState s = OnlineRunState.create(0);
        assertThat(r.feedAll(s, 0)).isZero();
        assertThat(s.lastFit()).isNull();
        assertThat(OnlineReplay.fitted(s).ok()).isTrue();
    }

    @Test
    void feedsInPiecesAndFindsMeasuredSteps() {
        OnlineReplay r = replay();
        assertThat(r.measuredStep(0)).isEqualTo(600);
        assertThat(r.measuredStep(3)).isEqualTo(900);
        assertThat(r.measuredStep(54)).isEqualTo(-1);
        OnlineRunState s = OnlineRunState.create(0);
        r.feed(s, 0, 2999, 0);
        r.feed(s, 3000, 5999, 0);
        assertThat(s.totalWeight()).isEqualTo(54);
        assertThatThrownBy(() -> new OnlineReplay(0, new double[2], new double[3]))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void namesEveryBenchmarkedLaw() {
        assertThat(JointFitBenchmark.law("momentum").name()).isEqualTo("momentum");
        assertThat(((MomentumLaw) JointFitBenchmark.law("momentum-lambda-0.998")).lambda()).isEqualTo(0.998);
        assertThat(JointFitBenchmark.law("multipower").name()).isEqualTo("multipower");
        assertThatThrownBy(() -> JointFitBenchmark.law("power")).isInstanceOf(IllegalArgumentException.class);
    }
}
