package dev.runlaw.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class TabSeparatedTest {

    @Test
    void unescapesValuesAndReadsNulls() {
        assertThat(TabSeparated.parseLine("a\\tb\t\\N\tx\\\\N\t[1,2]\t\\'q\\'\t"))
                .isEqualTo(Arrays.asList("a\tb", null, "x\\N", "[1,2]", "'q'", ""));
    }

    @Test
    void keepsEscapedNewlinesInsideOneField() {
        assertThat(TabSeparated.parseLine("line1\\nline2")).containsExactly("line1\nline2");
    }
}
