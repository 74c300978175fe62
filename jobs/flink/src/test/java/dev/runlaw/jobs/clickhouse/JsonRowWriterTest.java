package dev.runlaw.jobs.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonRowWriterTest {
    private final JsonRowWriter w = new JsonRowWriter();

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void writesNumbersNullsAndArrays() {
        String s = text(w.begin().field("a", 0L).field("b", -1234567890123L).field("c", Long.MIN_VALUE)
                .field("d", (Long) null).field("e", 0.5).field("f", Double.NaN).field("g", (Double) null)
                .field("h", true).longArray("i", List.of(1L, 22L)).intArray("j", List.of())
                .doubleArray("k", null).floatArray("l", List.of(0.25f)).stringArray("m", List.of("x", "y")).end());
        assertThat(s).isEqualTo("{\"a\":0,\"b\":-1234567890123,\"c\":-9223372036854775808,\"d\":null,\"e\":0.5,"
                + "\"f\":null,\"g\":null,\"h\":1,\"i\":[1,22],\"j\":[],\"k\":[],\"l\":[0.25],\"m\":[\"x\",\"y\"]}");
    }

    @Test
    void escapesControlCharactersQuotesAndBackslashes() {
        String s = text(w.begin().field("s", "a\"b\\c\n\r\t\b\f\u0000\u001f").end());
        assertThat(s).isEqualTo("{\"s\":\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0000\\u001f\"}");
    }

    @Test
    void encodesUtf8IncludingSurrogatePairsAndReplacesLoneSurrogates() {
        assertThat(text(w.begin().field("s", "é€𝄞").end())).isEqualTo("{\"s\":\"é€𝄞\"}");
        assertThat(text(w.begin().field("s", "a\ud800b").end())).isEqualTo("{\"s\":\"a?b\"}");
    }

    @Test
    void growsItsBufferForLongRowsAndWorstCaseEscapes() {
        char[] ctl = new char[10_000];
        Arrays.fill(ctl, '\u0001');
        String s = text(w.begin().field("s", new String(ctl)).field("t", "x".repeat(100_000)).end());
        assertThat(s).hasSize(10_000 * 6 + 100_000 + 15);
        // The buffer is reused: a short row after a long one is exact.
        assertThat(text(w.begin().field("n", 1L).end())).isEqualTo("{\"n\":1}");
    }
}
