package dev.runlaw.math.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runlaw.math.testdata.RealCurves;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class RunCurveParserTest {

    @Test
    void parsesStepsLrAndSparseLoss() {
        RunCurve c = RunCurveParser.parse("t.csv", "t", List.of("step,lr,loss", "0,0.0,", "1,1e-4,3.5", "2,2e-4,"));
        assertThat(c.firstStep()).isZero();
        assertThat(c.lastStep()).isEqualTo(2);
        assertThat(c.measuredCount()).isEqualTo(1);
        assertThat(c.lossAt(1)).isEqualTo(3.5);
        assertThat(c.lossAt(2)).isNaN();
        assertThat(c.measuredSteps()).containsExactly(1L);
        assertThat(c.observedUpTo(0).measuredCount()).isZero();
    }

    @Test
    void namesFileAndLineOfNonMonotonicStep() {
        assertThatThrownBy(() -> RunCurveParser.parse("r.csv", "r", List.of("step,lr,loss", "0,0.1,2", "2,0.1,2")))
                .isInstanceOf(RunFormatException.class)
                .hasMessageContaining("r.csv:3")
                .hasMessageContaining("increase by 1");
    }

    @Test
    void rejectsMissingColumnNonFiniteAndEmptyLoss() {
        assertThatThrownBy(() -> RunCurveParser.parse("a", "a", List.of("step,loss", "0,1")))
                .hasMessageContaining("a:1").hasMessageContaining("step,lr,loss");
        assertThatThrownBy(() -> RunCurveParser.parse("b", "b", List.of("step,lr,loss", "0,0.1,NaN")))
                .hasMessageContaining("b:2").hasMessageContaining("not finite");
        assertThatThrownBy(() -> RunCurveParser.parse("c", "c", List.of("step,lr,loss", "0,0.1,", "1,0.1,")))
                .hasMessageContaining("no loss values");
        assertThatThrownBy(() -> RunCurveParser.parse("d", "d", List.of("step,lr,loss", "0,,1")))
                .hasMessageContaining("d:2").hasMessageContaining("lr is empty");
    }

    @Test
    void readsARealCurve() throws IOException {
        Path p = RealCurves.file("mpl-25m", "cosine_24000");
        RunCurve c = RunCurveParser.parse(p.toString(), "cosine_24000", Files.readAllLines(p));
        assertThat(c.firstStep()).isZero();
        assertThat(c.lastStep()).isGreaterThanOrEqualTo(23999);
        assertThat(c.lrAt(2160)).isEqualTo(3e-4);
        assertThat(c.lossAt(2160)).isEqualTo(4.1114);
        assertThat(c.measuredCount()).isGreaterThan(150);
    }
}
