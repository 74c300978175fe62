package dev.runlaw.math.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runlaw.math.data.RunCurve;
import dev.runlaw.math.fit.RunObservations;
import dev.runlaw.math.forecast.BacktestProtocol;
import dev.runlaw.math.forecast.Forecast;
import dev.runlaw.math.forecast.ForecastModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Online equals offline: a RunTracker fed constant_72000 (25M, Luo et al. 2025) up to 40 % of its steps, with
 * cosine_24000 and wsd_20000_24000 as references, forecasts what the backtest's observe mode forecasts: the offline
 * side is the backtest's own code ({@link BacktestProtocol}, what {@code runlaw backtest} runs per predicted run).
 *
 * <p>Tolerances (final point, lo90, hi90 and every curve point): references passed as they are: 1e-12 relative
 * (measured: 1.4e-14 auto, 3.4e-14 momentum, before and after the LawFitter split; the tracker's LR track
 * reproduces the warmup and constant LR exactly); references rebuilt
 * through LrTrack + LossSummary as the job rebuilds a RunReference: 1e-7 relative (measured 3.4e-9: the cosine and
 * exponential decays are reproduced within LrTrack's 1e-6 of the peak LR, and the fit moves far less than that).
 */
class RunTrackerEquivalenceTest {
    static final double OBSERVE_FRACTION = 0.4;
    static final ScheduleSpec CONSTANT_72000 = ScheduleSpec.of("CONSTANT", 2160, 0, 3e-4, 0, 0, 72_000);

    record Case(RunCurve predict, long cut, List<RunObservations> refs) {
    }

    static Case setUp(boolean viaTrack) {
        RunCurve p = Curves.load("25m", "constant_72000");
        long cut = BacktestProtocol.cut(p, OBSERVE_FRACTION);
        List<RunObservations> refs = new ArrayList<>();
        for (String name : List.of("cosine_24000", "wsd_20000_24000")) {
            RunCurve c = Curves.load("25m", name);
            refs.add(viaTrack ? Curves.viaTrackAndSummary(c) : RunObservations.of(c));
        }
        return new Case(p, cut, refs);
    }

    static RunTracker feed(RunCurve p, long upTo) {
        RunTracker t = RunTracker.create("constant_72000", "mpl-25m");
        t.plan(CONSTANT_72000, null, 72_000);
        for (long s = p.firstStep(); s <= upTo; s++) {
            assertThat(t.observe(s, p.lrAt(s), p.lossAt(s), 1_000 * s)).isEqualTo(StepOutcome.ACCEPTED);
        }
        return t;
    }

    /**
     * What the backtest computes for the same inputs: {@code runlaw backtest}'s own per-run protocol
     * ({@link BacktestProtocol}, which {@code Backtest.run} calls) at the tracker's forecast steps.
     */
    static Forecast[] offline(Case c, List<RunObservations> refs, String law, long[] steps) {
        ForecastModel m = BacktestProtocol.select(refs, c.predict(), OBSERVE_FRACTION, law);
        return BacktestProtocol.forecast(m, c.predict(), OBSERVE_FRACTION, steps);
    }

    static double rel(double a, double b) {
        return Math.abs(a - b) / Math.abs(b);
    }

    double check(String law, boolean viaTrack, double tolerance) {
        Case raw = setUp(false);
        Case c = viaTrack ? setUp(true) : raw;
        RunTracker t = feed(c.predict(), c.cut());
        long t0 = System.nanoTime();
        LiveForecast live = t.forecast(c.refs(), ForecastSettings.defaults().withLaw(law));
        long selectMs = (System.nanoTime() - t0) / 1_000_000;
        assertThat(live.status()).as(live.issues().toString()).isEqualTo(Status.OK);
        assertThat(live.step()).isEqualTo(c.cut());
        assertThat(live.plannedFinalStep()).isEqualTo(71_999);
        long[] steps = new long[live.curve().size() + 1];
        for (int i = 0; i < live.curve().size(); i++) {
            steps[i] = live.curve().get(i).step();
        }
        steps[steps.length - 1] = live.plannedFinalStep();
        // The offline side always uses the raw CSV references: this is the job-vs-backtest comparison.
        Forecast[] off = offline(raw, raw.refs(), law, steps);
        Forecast fin = live.finalForecast();
        Forecast offFin = off[off.length - 1];
        double worst = Math.max(rel(fin.point(), offFin.point()),
                Math.max(rel(fin.lo(), offFin.lo()), rel(fin.hi(), offFin.hi())));
        for (int i = 0; i < live.curve().size(); i++) {
            Forecast a = live.curve().get(i);
            worst = Math.max(worst, Math.max(rel(a.point(), off[i].point()),
                    Math.max(rel(a.lo(), off[i].lo()), rel(a.hi(), off[i].hi()))));
        }
        t0 = System.nanoTime();
        LiveForecast again = t.forecast(c.refs(), ForecastSettings.defaults().withLaw(law));
        long refitMs = (System.nanoTime() - t0) / 1_000_000;
        assertThat(again.status()).isEqualTo(Status.OK);
        assertThat(rel(again.finalForecast().point(), fin.point())).as("warm refit on the same data").isLessThan(1e-4);
        System.out.printf(Locale.ROOT, "equivalence %-8s refs %-14s final %.6f [%.6f, %.6f] offline %.6f [%.6f, %.6f]"
                        + "  max rel diff %.2e  (select %d ms, warm refit %d ms, state %d bytes)%n", law,
                viaTrack ? "track+summary" : "raw", fin.point(), fin.lo(), fin.hi(), offFin.point(), offFin.lo(),
                offFin.hi(), worst, selectMs, refitMs, t.serializedBytes());
        assertThat(worst).as(law + (viaTrack ? " via track" : " raw")).isLessThanOrEqualTo(tolerance);
        return worst;
    }

    /**
     * cosine_72000 planned by its spec: the tracker's future LR is the spec built piecewise (cosine within
     * {@link LrTrack#DEFAULT_TOLERANCE} of the peak), the backtest's the CSV's per-step LR; references raw
     * constant_24000 and wsd_20000_24000. Tolerance 1e-6 relative (final, interval, curve); measured 3.4e-8
     * (momentum) and 5.0e-8 (auto): the compression moves the LR by at most 1e-6 of the peak, the forecast far less.
     */
    double checkCompressedCosinePlan(String law) {
        RunCurve p = Curves.load("25m", "cosine_72000");
        long cut = BacktestProtocol.cut(p, OBSERVE_FRACTION);
        List<RunObservations> refs = new ArrayList<>();
        for (String name : List.of("constant_24000", "wsd_20000_24000")) {
            refs.add(RunObservations.of(Curves.load("25m", name)));
        }
        RunTracker t = RunTracker.create("cosine_72000", "mpl-25m");
        t.plan(ScheduleSpec.of("COSINE", 2160, 0, 3e-4, 3e-5, 2160, 72_000), null, 72_000);
        for (long s = p.firstStep(); s <= cut; s++) {
            t.observe(s, p.lrAt(s), p.lossAt(s), s);
        }
        LiveForecast live = t.forecast(refs, ForecastSettings.defaults().withLaw(law));
        assertThat(live.status()).as(live.issues().toString()).isEqualTo(Status.OK);
        long[] steps = new long[live.curve().size() + 1];
        for (int i = 0; i < live.curve().size(); i++) {
            steps[i] = live.curve().get(i).step();
        }
        steps[steps.length - 1] = live.plannedFinalStep();
        Forecast[] off = offline(new Case(p, cut, refs), refs, law, steps);
        Forecast fin = live.finalForecast();
        Forecast offFin = off[off.length - 1];
        double worst = Math.max(rel(fin.point(), offFin.point()),
                Math.max(rel(fin.lo(), offFin.lo()), rel(fin.hi(), offFin.hi())));
        for (int i = 0; i < live.curve().size(); i++) {
            Forecast a = live.curve().get(i);
            worst = Math.max(worst, Math.max(rel(a.point(), off[i].point()),
                    Math.max(rel(a.lo(), off[i].lo()), rel(a.hi(), off[i].hi()))));
        }
        System.out.printf(Locale.ROOT, "equivalence %-8s cosine_72000 under its piecewise spec: final %.6f offline %.6f"
                + "  max rel diff %.2e%n", law, fin.point(), offFin.point(), worst);
        assertThat(worst).as(law + " compressed cosine plan").isLessThanOrEqualTo(1e-6);
        return worst;
    }

    @Test
    void matchesTheBacktestUnderACompressedCosinePlan() {
        checkCompressedCosinePlan("momentum");
        checkCompressedCosinePlan("auto");
    }

    @Test
    void matchesTheBacktestForMomentum() {
        check("momentum", false, 1e-12);
        check("momentum", true, 1e-7);
    }

    @Test
    void matchesTheBacktestForAuto() {
        check("auto", false, 1e-12);
        check("auto", true, 1e-7);
    }
}
