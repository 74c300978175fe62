package dev.runlaw.math.online;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.runlaw.math.fit.FitResult;
import dev.runlaw.math.fit.LawFitter;
import dev.runlaw.math.law.LawTestSupport;
import dev.runlaw.math.law.MomentumLaw;
import dev.runlaw.math.schedule.LrSchedule;
import dev.runlaw.math.forecast.Forecast;
import java.util.Random;
import org.junit.jupiter.api.Test;

class OnlineRunStateTest {
    static final double[] TRUE = {3.0, 0.5, 0.5, 0.4};
    static final MomentumLaw LAW = MomentumLaw.withLambda(0.999);

    @Test
    void memoryStaysBoundedWhateverTheRunLength() {
        OnlineRunState s = OnlineRunState.create(0);
        long before = s.memoryBytes();
        LrSchedule sch = LrSchedule.constant(1_000_000, 1000, 3e-4);
        for (long t = 0; t < 1_000_000; t++) {
            double loss = t > 1000 ? 3 + 0.5 / Math.sqrt(sch.area(t)) : Double.NaN;
            s.append(t, sch.lrAt(t), loss);
        }
        assertThat(s.storedPoints()).isLessThanOrEqualTo(OnlineRunState.DEFAULT_CAPACITY);
        assertThat(s.totalWeight()).isEqualTo(1_000_000 - 1001);
        assertThat(s.memoryBytes()).isEqualTo(before).isLessThanOrEqualTo(64 * 1024);
    }

    @Test
    void onlineRefitMatchesTheLawOnANoisyCosineRun() {
        LrSchedule sch = LrSchedule.cosine(20_000, 500, 3e-4, 3e-5);
        OnlineRunState s = OnlineRunState.create(0, LAW, null, 64);
        Random rnd = new Random(7);
        FitResult fit = null;
        java.util.List<Long> steps = new java.util.ArrayList<>();
        java.util.List<Double> losses = new java.util.ArrayList<>();
        for (long t = 0; t < 20_000; t++) {
            double loss = t > 500 && t % 20 == 0
                    ? LAW.predict(TRUE, sch, t) * Math.exp(1e-3 * rnd.nextGaussian()) : Double.NaN;
            s.append(t, sch.lrAt(t), loss);
            if (!Double.isNaN(loss)) {
                steps.add(t);
                losses.add(loss);
            }
            if (t % 2000 == 1999) {
                fit = s.refit();
            }
        }
        assertThat(fit.ok()).as(fit.toString()).isTrue();
        assertThat(s.storedPoints()).isLessThanOrEqualTo(64);
        double truth = LAW.predict(TRUE, sch, 19_999);
        Forecast f = s.forecast(sch, 19_999);
        assertThat(f.point()).isCloseTo(truth, within(0.002 * truth));
        // Bucketing old points costs little: the offline fit on all raw points forecasts the same.
        FitResult offline = LawFitter.create(LAW).fit(new dev.runlaw.math.fit.RunObservations("raw", sch,
                steps.stream().mapToLong(Long::longValue).toArray(),
                losses.stream().mapToDouble(Double::doubleValue).toArray()));
        assertThat(f.point()).isCloseTo(offline.predict(sch, 19_999), within(3e-4 * truth));
    }

    @Test
    void usesTheReferenceAnnealingUntilTheRunAnneals() {
        LrSchedule cos = LrSchedule.cosine(12_000, 500, 3e-4, 3e-5);
        FitResult ref = LawFitter.create(LAW).fit(LawTestSupport.synthetic("cos", LAW, TRUE, cos, 50, 1e-3, 1));
        LrSchedule wsd = LrSchedule.wsd(16_000, 500, 12_000, 3e-4, 3e-5, dev.runlaw.math.schedule.Decay.LINEAR);
        OnlineRunState s = OnlineRunState.create(0, LAW, ref, 128);
        for (long t = 0; t <= 8000; t++) {
            s.append(t, wsd.lrAt(t), t > 500 && t % 50 == 0 ? LAW.predict(TRUE, wsd, t) : Double.NaN);
        }
        FitResult fit = s.refit();
        assertThat(fit.ok()).isTrue();
        assertThat(fit.param("C")).isEqualTo(ref.param("C"));
        double truth = LAW.predict(TRUE, wsd, 15_999);
        Forecast f = s.forecast(wsd, 15_999);
        assertThat(f.covers(truth)).as(f.toString()).isTrue();
    }

    @Test
    void rejectsOutOfOrderStepsAndBadValues() {
        OnlineRunState s = OnlineRunState.create(0);
        s.append(0, 0, Double.NaN);
        s.append(5, 1e-4, Double.NaN);
        assertThat(s.lastStep()).isEqualTo(5);
        assertThatThrownBy(() -> s.append(5, 1e-4, 3)).hasMessageContaining("not after");
        assertThatThrownBy(() -> s.append(6, Double.NaN, 3)).hasMessageContaining("lr");
        assertThatThrownBy(() -> s.append(6, 1e-4, -1)).hasMessageContaining("loss");
        assertThat(s.refit().ok()).isFalse();
        assertThat(s.forecast(LrSchedule.constant(100, 10, 1e-4), 50).ok()).isFalse();
    }
}
