package dev.runlaw.producers.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runlaw.schema.validate.Limits;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;

/** The {@code --limits.*} flags are derived from {@link Limits}' components: each must reach its own component. */
class LimitOptionsTest {
    @Command(name = "probe")
    static final class Probe {
    }

    private static CommandSpec spec(String... args) {
        CommandLine cl = new CommandLine(new Probe());
        LimitOptions.addTo(cl.getCommandSpec());
        cl.parseArgs(args);
        return cl.getCommandSpec();
    }

    @Test
    void everyFlagSetsItsOwnLimitAndOnlyIt() throws Exception {
        Limits d = Limits.defaults();
        RecordComponent[] components = Limits.class.getRecordComponents();
        assertThat(components).hasSizeGreaterThanOrEqualTo(8);
        for (RecordComponent c : components) {
            int value = (int) c.getAccessor().invoke(d) + 1;
            Limits read = LimitOptions.read(spec("--limits." + LimitOptions.kebab(c.getName()), "" + value));
            for (RecordComponent other : components) {
                Object expected = other.equals(c) ? value : other.getAccessor().invoke(d);
                assertThat(other.getAccessor().invoke(read)).as(c.getName() + " -> " + other.getName())
                        .isEqualTo(expected);
            }
        }
        assertThat(LimitOptions.read(spec())).isEqualTo(d);
    }

    @Test
    void namesAreTheIngestJobsKeysAndBadValuesAreUsageErrors() {
        List<String> names = new ArrayList<>();
        spec().options().forEach(o -> names.add(o.longestName()));
        assertThat(names).contains("--limits.max-id-length", "--limits.max-top-k", "--limits.max-tokens-per-batch",
                "--limits.max-lr-per-step", "--limits.max-map-entries");
        assertThatThrownBy(() -> LimitOptions.read(spec("--limits.max-top-k", "many")))
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("limits.max-top-k");
        assertThatThrownBy(() -> spec("--limits.max-topk", "3")).isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("--limits.max-topk");
    }
}
