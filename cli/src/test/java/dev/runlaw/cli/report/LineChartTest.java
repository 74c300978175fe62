package dev.runlaw.cli.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runlaw.cli.report.Series.Band;
import dev.runlaw.cli.report.Series.Interval;
import dev.runlaw.cli.report.Series.Line;
import dev.runlaw.cli.report.Series.Marker;
import dev.runlaw.cli.report.Series.Range;
import dev.runlaw.cli.report.Series.XY;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class LineChartTest {
    private static final Pattern SERIES_PATH = Pattern.compile("<path class=\"series\"[^>]* d=\"([^\"]+)\"");

    @Test
    void drawsEachLineAsOnePathThroughItsPointsWithBothAxisTitles() {
        List<XY> pts = List.of(new XY(0, 1), new XY(10, 2), new XY(20, 3));
        String svg = new LineChart("t", "step", "loss").add(new Line("observed", "#123456", pts, false)).render();
        Matcher m = SERIES_PATH.matcher(svg);
        assertThat(m.find()).isTrue();
        assertThat(m.group(1)).startsWith("M").contains("L").doesNotContain("NaN");
        assertThat(m.group(1).split("L")).hasSize(3);
        assertThat(svg).contains("class=\"axis-label x-label\"").contains(">step</text>")
                .contains("class=\"axis-label y-label\"").contains(">loss</text>").doesNotContain("no data")
                .contains("style=\"stroke:#123456\"");
    }

    @Test
    void saysNoDataButKeepsFrameAndAxisTitlesWhenThereIsNothingToDraw() {
        String svg = new LineChart("t", "step", "gradient norm").logY()
                .add(new Line("gradient norm", "#000", List.of(), false))
                .addMarkers(List.of(new Marker(5, 1, "CRITICAL", "x"))).render();
        assertThat(svg).contains(">no data</text>").contains(">step</text>").contains(">gradient norm</text>")
                .contains("class=\"frame\"").doesNotContain("<path");
    }

    @Test
    void aLogAxisLeavesOutPointsAtOrBelowZeroAndFallsBackToLinearWhenAllAre() {
        String log = new LineChart("t", "x", "y").logY()
                .add(new Line("a", "#000", List.of(new XY(0, 0), new XY(1, 10), new XY(2, 100)), false)).render();
        Matcher m = SERIES_PATH.matcher(log);
        assertThat(m.find()).isTrue();
        assertThat(m.group(1).split("L")).hasSize(2);
        String linear = new LineChart("t", "x", "y").logY()
                .add(new Line("a", "#000", List.of(new XY(0, 0), new XY(1, -1)), false)).render();
        assertThat(linear).doesNotContain("no data").containsPattern("<path class=\"series\"");
    }

    @Test
    void bandIsOneClosedOutlineAndIntervalsAndMarkersAreDrawnWithTheirLabels() {
        List<Range> band = List.of(new Range(10, 1, 2), new Range(20, 1.5, 2.5), new Range(30, 1.2, 2.2));
        String svg = new LineChart("t", "step", "loss").add(new Band("90 %", "#f00", band))
                .add(new Interval("decay_now", 30, 1.8, 1.6, 2.0))
                .addMarkers(List.of(new Marker(20, 3, "CRITICAL", "#3 LOSS_SPIKE"))).render();
        Matcher b = Pattern.compile("<path class=\"band\"[^>]* d=\"([^\"]+)\"").matcher(svg);
        assertThat(b.find()).isTrue();
        assertThat(b.group(1)).startsWith("M").endsWith("Z");
        assertThat(b.group(1).split("L")).hasSize(6);
        assertThat(svg).contains("class=\"interval\"").contains(">decay_now</text>")
                .contains("class=\"marker critical\"").contains("<title>#3 LOSS_SPIKE</title>")
                .contains("class=\"marker-label\"");
    }

    @Test
    void aMarkerWidensTheXAxisToBeSeen() {
        String svg = new LineChart("t", "step", "loss").add(new Line("l", "#000", List.of(new XY(0, 1), new XY(10, 2)),
                false)).addMarkers(List.of(new Marker(50, 1, "WARNING", "late"))).render();
        assertThat(svg).contains("class=\"marker warning\"").contains(">50</text>");
    }

    @Test
    void thinsLongSeriesButKeepsTheSpikeAndBothEnds() {
        List<XY> pts = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            pts.add(new XY(i, i == 54_321 ? 1000 : 1 + (i % 7) * 0.01));
        }
        List<XY> thin = Series.thin(pts, LineChart.MAX_POINTS);
        assertThat(thin.size()).isLessThanOrEqualTo(LineChart.MAX_POINTS + 2);
        assertThat(thin).contains(pts.get(0), pts.get(pts.size() - 1), pts.get(54_321));
        assertThat(thin).isSortedAccordingTo((a, c) -> Double.compare(a.x(), c.x()));
        assertThat(Series.thin(pts.subList(0, 10), 100)).isEqualTo(pts.subList(0, 10));
    }

    @Test
    void sparseLinesGetADotPerPoint() {
        String svg = new LineChart("t", "x", "y").add(new Line("few", "#000",
                List.of(new XY(1, 1), new XY(2, 2), new XY(3, 1)), false)).render();
        Matcher dots = Pattern.compile("<path class=\"dots\"[^>]* d=\"([^\"]+)\"").matcher(svg);
        assertThat(dots.find()).isTrue();
        assertThat(dots.group(1).split("M")).hasSize(4); // "" before the first M, then one per point
    }
}
