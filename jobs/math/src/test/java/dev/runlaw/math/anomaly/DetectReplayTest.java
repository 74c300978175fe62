package dev.runlaw.math.anomaly;

import dev.runlaw.math.data.RunFormatException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Replay with the forecast code's law: a seeded synthetic run (power law in steps, 1 % log-normal noise, constant
 * LR) with a ×1.5 spike at step 1500. Checks: the spike is flagged, the replay of a prefix equals the prefix of the
 * full replay (no look-ahead), and the parser's errors name the line.
 */
class DetectReplayTest {

    private static List<String> csv(int n, long spikeAt) {
        Random rnd = new Random(5);
        List<String> lines = new ArrayList<>();
        lines.add("step,lr,loss,grad_norm,step_ms,extra");
        for (int t = 1; t <= n; t++) {
            double loss = (2 + 4 * Math.pow(1 + t / 100.0, -0.5)) * Math.exp(0.01 * rnd.nextGaussian())
                    * (t == spikeAt ? 1.5 : 1);
            lines.add(t + ",0.001," + loss + ",1.0,200,x");
        }
        return lines;
    }

    @Test
    void flagsSpikeAgainstTheLiveForecastAndNeverLooksAhead() {
        DetectReplay replay = DetectReplay.create().withForecast("momentum", 16);
        List<String> lines = csv(2000, 1500);
        DetectReplay.Result full = replay.replay("r", StepTable.parse("r.csv", lines));
        assertTrue(full.forecasts() >= 2000 / 16 - 1, "forecasts " + full.forecasts());
        List<Alert> alerts = full.alerts();
        assertEquals(1, alerts.size(), alerts.toString());
        assertEquals(AlertKind.LOSS_SPIKE, alerts.get(0).kind());
        assertEquals(1500, alerts.get(0).firstStep());
        assertEquals(1.5, alerts.get(0).value() / alerts.get(0).expected(), 0.05);

        // The prefix up to step 1600 alone gives the same events up to there: nothing came from later steps. The
        // expected loss may differ in the 7th digit: the prefix plans a shorter run, so its forecast curve points
        // (interpolated between) sit at other steps.
        DetectReplay.Result prefix = replay.replay("r", StepTable.parse("r.csv", lines.subList(0, 1601)));
        List<Alert> head = full.events().stream().filter(e -> e.detectedStep() <= 1600 && (e.isOpen()
                || e.lastStep() <= 1600)).toList();
        assertEquals(head.size(), prefix.events().size());
        for (int i = 0; i < head.size(); i++) {
            Alert a = head.get(i);
            Alert b = prefix.events().get(i);
            assertEquals(List.of(a.kind(), a.firstStep(), a.detectedStep(), a.lastStep(), a.state()),
                    List.of(b.kind(), b.firstStep(), b.detectedStep(), b.lastStep(), b.state()));
            assertEquals(a.expected(), b.expected(), 1e-5 * a.expected());
        }
    }

    @Test
    void parsesOptionalColumnsAndNonFiniteValues() {
        StepTable t = StepTable.parse("f.csv", List.of("loss,step,lr,step_ms", "3.0,1,0.1,", "nan,2,0.1,150",
                ",3,0.1,140"));
        assertEquals(3, t.size());
        assertEquals(Double.POSITIVE_INFINITY, t.loss()[1]);
        assertTrue(Double.isNaN(t.loss()[2]));
        assertTrue(Double.isNaN(t.stepMs()[0]));
        assertTrue(Arrays.stream(t.gradNorm()).allMatch(Double::isNaN));
        List<Alert> events = DetectReplay.create().withForecast("momentum", 0).replay("f", t).events();
        assertEquals(AlertKind.NON_FINITE, events.get(0).kind());
        assertEquals(2, events.get(0).firstStep());
        // No finite loss follows the NaN: the end of the file resolves it at the run's last step.
        assertEquals(2, events.size(), events.toString());
        assertEquals(AlertState.RESOLVED, events.get(1).state());
        assertEquals(3, events.get(1).lastStep());
    }

    @Test
    void parserErrorsNameTheLine() {
        RunFormatException e = assertThrows(RunFormatException.class, () -> StepTable.parse("f.csv",
                List.of("step,lr,loss", "1,0.1,3", "1,0.1,3")));
        assertEquals(3, e.line());
        assertTrue(e.getMessage().contains("f.csv"), e.getMessage());
        assertEquals(2, assertThrows(RunFormatException.class, () -> StepTable.parse("f.csv",
                List.of("step,lr,loss,step_ms", "1,0.1,3,-5"))).line());
        assertEquals(1, assertThrows(RunFormatException.class, () -> StepTable.parse("f.csv",
                List.of("step,loss"))).line());
        assertEquals(2, assertThrows(RunFormatException.class, () -> StepTable.parse("f.csv",
                List.of("step,lr,loss", "1,nan,3"))).line());
    }
}
