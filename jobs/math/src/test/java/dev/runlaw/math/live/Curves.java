package dev.runlaw.math.live;

import dev.runlaw.math.data.RunCurve;
import dev.runlaw.math.fit.RunObservations;
import dev.runlaw.math.testdata.RealCurves;

/** The real loss curves of the test resources (Luo et al. 2025, MIT; see {@link RealCurves}), by model size. */
final class Curves {
    private Curves() {
    }

    /** One curve of {@code mpl-<size>} ({@code 25m} or {@code 100m}) from the test resources. */
    static RunCurve load(String size, String name) {
        return RealCurves.load("mpl-" + size, name);
    }

    /** A finished run as the job would rebuild it from a RunReference: LR through an LrTrack, losses through a LossSummary. */
    static RunObservations viaTrackAndSummary(RunCurve c) {
        LrTrack t = LrTrack.create();
        LossSummary s = LossSummary.create();
        double[] lr = c.lr();
        for (int i = 0; i < lr.length; i++) {
            long step = c.firstStep() + i;
            t.append(step, lr[i]);
        }
        for (long step : c.measuredSteps()) {
            s.add(step, c.lossAt(step));
        }
        LrTrack rebuilt = LrTrack.of(t.knotSteps(), t.knotValues());
        return new RunObservations(c.name(), rebuilt.toSchedule(), s.steps(), s.losses());
    }
}
