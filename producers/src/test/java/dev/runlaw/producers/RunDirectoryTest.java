package dev.runlaw.producers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runlaw.math.data.RunCurve;
import dev.runlaw.math.data.RunFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunDirectoryTest {
    @TempDir
    Path dir;

    @Test
    void loadsCsvFilesInNameOrderNamedAfterTheFile() throws IOException {
        Files.writeString(dir.resolve("b_run.csv"), "step,lr,loss\n0,0.0,\n1,1e-4,3.5\n");
        Files.writeString(dir.resolve("a_run.csv"), "step,lr,loss\n1,2e-4,4.0\n2,2e-4,\n");
        Files.writeString(dir.resolve("notes.txt"), "not a run");
        Files.createDirectory(dir.resolve("sub.csv"));

        assertThat(RunDirectory.list(dir)).extracting(p -> p.getFileName().toString())
                .containsExactly("a_run.csv", "b_run.csv");
        List<RunCurve> runs = RunDirectory.load(dir);
        assertThat(runs).extracting(RunCurve::name).containsExactly("a_run", "b_run");
        assertThat(runs.get(0).firstStep()).isEqualTo(1);
        assertThat(runs.get(1).lossAt(1)).isEqualTo(3.5);
    }

    @Test
    void errorNamesTheFileAndLine() throws IOException {
        Files.writeString(dir.resolve("good.csv"), "step,lr,loss\n0,0.0,3.0\n");
        Path bad = dir.resolve("zz_bad.csv");
        Files.writeString(bad, "step,lr,loss\n0,0.0,\n1,oops,3.0\n");

        assertThatThrownBy(() -> RunDirectory.load(dir))
                .isInstanceOf(RunFormatException.class)
                .hasMessageStartingWith(bad + ":3: ")
                .hasMessageContaining("lr is not a number");
    }

    @Test
    void refusesSomethingThatIsNotADirectory() throws IOException {
        Path file = Files.writeString(dir.resolve("x.csv"), "step,lr,loss\n");
        assertThatThrownBy(() -> RunDirectory.list(file))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a directory");
        assertThatThrownBy(() -> RunDirectory.loadFile(file))
                .isInstanceOf(RunFormatException.class).hasMessageStartingWith(file + ":1: ");
    }
}
