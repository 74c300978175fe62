package dev.runlaw.cli.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SvgTest {
    @Test
    void writesCoordinatesWithAtMostTwoDecimalsAndNoExponent() {
        assertThat(Svg.num(3)).isEqualTo("3");
        assertThat(Svg.num(-0.004)).isEqualTo("0");
        assertThat(Svg.num(1.23456)).isEqualTo("1.23");
        assertThat(Svg.num(1.5)).isEqualTo("1.5");
        assertThat(Svg.num(1e-7)).isEqualTo("0");
        assertThat(Svg.num(123456789.126)).isEqualTo("123456789.13");
        assertThatThrownBy(() -> Svg.num(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void escapesTextAndAttributesSoNoValueOpensATag() {
        String svg = new Svg(10, 10, "c\"x", "a<b>")
                .text(1, 2, "start", "t", 0, "</svg><script>alert('x')</script>&")
                .path("M0 0", "p", null, "run \"x\" <y>").close();
        assertThat(svg).doesNotContain("<script").contains("&lt;/svg&gt;&lt;script&gt;alert(&#39;x&#39;)")
                .contains("&amp;</text>").contains("class=\"c&quot;x\"").contains("aria-label=\"a&lt;b&gt;\"")
                .contains("<title>run &quot;x&quot; &lt;y&gt;</title>").endsWith("</svg>\n");
    }

    @Test
    void rotatesTextAboutItsAnchor() {
        assertThat(new Svg(10, 10, "c", "l").text(16, 100, "middle", "y-label", -90, "loss").close())
                .contains("transform=\"rotate(-90 16 100)\"").contains(">loss</text>");
    }
}
