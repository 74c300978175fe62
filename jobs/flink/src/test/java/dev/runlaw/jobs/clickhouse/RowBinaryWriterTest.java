package dev.runlaw.jobs.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Byte-exact checks of the RowBinary encoding (ClickHouse's format documentation gives the same bytes). */
class RowBinaryWriterTest {
    private final RowBinaryWriter w = new RowBinaryWriter();

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    @Test
    void writesFixedWidthLittleEndianNumbers() {
        assertThat(hex(w.begin().int32(1).int32(-2).toByteArray())).isEqualTo("01000000" + "feffffff");
        assertThat(hex(w.begin().int64(0x0102030405060708L).toByteArray())).isEqualTo("0807060504030201");
        assertThat(hex(w.begin().uint8(true).uint8(false).enum8(-3).toByteArray())).isEqualTo("0100fd");
        assertThat(hex(w.begin().float64(1.0).float32(-2.0f).toByteArray())).isEqualTo("000000000000f03f" + "000000c0");
        assertThat(hex(w.begin().float64(Double.NaN).toByteArray())).isEqualTo("000000000000f87f");
        assertThat(hex(w.begin().dateTime(0xFFFF_FFFFL).dateTime(1).toByteArray())).isEqualTo("ffffffff" + "01000000");
    }

    @Test
    void refusesValuesTheColumnTypesCannotHold() {
        assertThatThrownBy(() -> w.dateTime(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> w.dateTime(1L << 32)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> w.enum8(128)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void writesNullableAsAFlagByteThenTheValue() {
        assertThat(hex(w.begin().nullableInt64(null).nullableInt64(5L).toByteArray())).isEqualTo("01" + "00" + "0500000000000000");
        assertThat(hex(w.begin().nullableFloat64(null).nullableString(null).nullableString("a").toByteArray()))
                .isEqualTo("01" + "01" + "00" + "01" + "61");
        assertThat(hex(w.begin().nullableFloat64(2.0).toByteArray())).isEqualTo("00" + "0000000000000040");
    }

    @Test
    void writesStringsAsLeb128LengthAndUtf8() {
        assertThat(hex(w.begin().string("").string(null).string("ab").toByteArray())).isEqualTo("00" + "00" + "026162");
        String utf = "é€𝄞\n\"";
        byte[] bytes = utf.getBytes(StandardCharsets.UTF_8);
        assertThat(w.begin().string(utf).toByteArray()).isEqualTo(concat(new byte[] {(byte) bytes.length}, bytes));
        String lone = "x\udc00y\ud800"; // lone surrogates become '?', like String.getBytes
        assertThat(w.begin().string(lone).toByteArray())
                .isEqualTo(concat(new byte[] {4}, lone.getBytes(StandardCharsets.UTF_8)));
        // 300 = 0b10_0101100: LEB128 0xAC 0x02
        byte[] row = w.begin().string("y".repeat(300)).toByteArray();
        assertThat(hex(Arrays.copyOf(row, 3))).isEqualTo("ac0279");
        assertThat(row).hasSize(302);
        byte[] big = w.begin().string("é".repeat(100)).toByteArray(); // 200 bytes: 0xC8 0x01
        assertThat(hex(Arrays.copyOf(big, 2))).isEqualTo("c801");
        assertThat(big).hasSize(202);
    }

    @Test
    void writesArraysAsCountThenElements() {
        assertThat(hex(w.begin().int64Array(new long[] {7, 8, 9}, 2).toByteArray()))
                .isEqualTo("02" + "0700000000000000" + "0800000000000000");
        assertThat(hex(w.begin().int64Array(null).int32Array(List.of(1, -1)).toByteArray()))
                .isEqualTo("00" + "02" + "01000000" + "ffffffff");
        assertThat(hex(w.begin().float32Array(List.of(0.25f)).float64Array(null).float64Array(List.of(1.0))
                .toByteArray())).isEqualTo("01" + "0000803e" + "00" + "01" + "000000000000f03f");
        assertThat(hex(w.begin().stringArray(List.of("a", "")).stringArray(null).toByteArray()))
                .isEqualTo("02" + "0161" + "00" + "00");
    }

    @Test
    void growsItsBufferAndStartsEachRowEmpty() {
        w.begin();
        for (int i = 0; i < 1000; i++) {
            w.int64(i);
        }
        assertThat(w.length()).isEqualTo(8000);
        assertThat(w.begin().int32(3).toByteArray()).hasSize(4);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
