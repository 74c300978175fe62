package dev.runlaw.math.live;

import dev.runlaw.math.data.RunCurve;
import dev.runlaw.math.data.RunCurveParser;
import dev.runlaw.math.fit.RunObservations;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The real loss curves of ../shared/data (Luo et al. 2025, MIT), found from the working directory upwards. */
final class Curves {
    private Curves() {
    }

    static Path dir(String size) {
        Path p = Path.of("").toAbsolutePath();
        while (p != null) {
            Path d = p.resolve("shared/data/loss-curves/mpl-" + size);
            if (Files.isDirectory(d)) {
                return d;
            }
            p = p.getParent();
        }
        throw new IllegalStateException("shared/data/loss-curves not found above " + Path.of("").toAbsolutePath());
    }

    static RunCurve load(String size, String name) {
        Path p = dir(size).resolve(name + ".csv");
        try {
            return RunCurveParser.parse(p.toString(), name, Files.readAllLines(p));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
