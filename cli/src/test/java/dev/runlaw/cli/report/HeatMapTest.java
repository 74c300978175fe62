package dev.runlaw.cli.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runlaw.cli.report.Series.Marker;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class HeatMapTest {
    @Test
    void drawsOneRectanglePerCellGroupedIntoOnePathPerColourLevel() {
        HeatMap h = new HeatMap("t", "time (UTC)", "layer / expert").timeX();
        int cells = 0;
        for (int layer = 0; layer < 2; layer++) {
            for (int e = 0; e < 4; e++) {
                for (int t = 0; t < 5; t++) {
                    h.add(new HeatMap.Cell(1_700_000_000 + 60 * t, "L" + layer + " E0" + e, (e + 1) * 0.1));
                    cells++;
                }
            }
        }
        String svg = h.render();
        Matcher m = Pattern.compile("<path class=\"cells\" style=\"fill:(#[0-9a-f]{6})\" d=\"([^\"]+)\"").matcher(svg);
        int rects = 0;
        List<String> colours = new ArrayList<>();
        while (m.find()) {
            colours.add(m.group(1));
            rects += m.group(2).split("Z").length;
        }
        assertThat(rects).isEqualTo(cells);
        assertThat(colours).hasSize(4).doesNotHaveDuplicates();
        assertThat(svg).contains(">time (UTC)</text>").contains(">layer / expert</text>").contains(">L1 E03</text>")
                .contains("linearGradient").doesNotContain("no data");
    }

    @Test
    void manyRowsAreLabelledOncePerGroupWithSeparators() {
        HeatMap h = new HeatMap("t", "time", "layer / expert");
        for (int layer = 0; layer < 12; layer++) {
            for (int e = 0; e < 16; e++) {
                h.add(new HeatMap.Cell(0, "L" + layer + " E" + e, e));
            }
        }
        String svg = h.render();
        assertThat(svg).contains(">L0</text>").contains(">L11</text>").doesNotContain(">L0 E1</text>");
        assertThat(svg.split("class=\"group-line\"", -1)).hasSize(12);
    }

    @Test
    void ordersRowsNaturally() {
        List<String> rows = new ArrayList<>(List.of("L10 E1", "L2 E10", "L2 E9", "L1 E0", "L01 E0"));
        rows.sort(HeatMap.NATURAL);
        assertThat(rows).containsExactly("L01 E0", "L1 E0", "L2 E9", "L2 E10", "L10 E1");
    }

    @Test
    void coloursRunFromWhiteToDarkBlueInLevels() {
        assertThat(HeatMap.color(0)).isEqualTo("#f7fbff");
        assertThat(HeatMap.color(1)).isEqualTo("#08306b");
        assertThat(HeatMap.level(0, 1)).isZero();
        assertThat(HeatMap.level(1, 1)).isEqualTo(HeatMap.LEVELS - 1);
        assertThat(HeatMap.level(0.5, 0)).isZero();
        assertThat(HeatMap.columnWidth(new double[] {0, 60, 120, 300})).isEqualTo(60);
        assertThat(HeatMap.columnWidth(new double[] {5})).isEqualTo(1);
    }

    @Test
    void withoutCellsSaysNoDataAndKeepsTheAxisTitles() {
        String svg = new HeatMap("t", "time (UTC)", "layer / expert")
                .addMarkers(List.of(new Marker(1, 1, "CRITICAL", "x"))).render();
        assertThat(svg).contains(">no data</text>").contains(">time (UTC)</text>").contains(">layer / expert</text>")
                .doesNotContain("<path");
    }
}
