package dev.runlaw.cli.bench;

import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * An endless supply of distinct pre-encoded records for windows of any length in bounded memory: a pool encoded once
 * whose run ids carry a pass number ({@code <prefix>-<pass>-...}), rewritten in a copy of the key and value bytes
 * for every pass, so each pass is a fresh set of runs (rows that never collapse in a {@code ReplacingMergeTree} and
 * runs whose steps only go forward). The rewrite is a fixed-width digit string, so every encoded length stays the
 * same; the cost per record (two small array copies) is the same in every arm that sends from a pool.
 */
final class RecordPool {
    /** Digits of the pass number in a run id. */
    static final int PASS_DIGITS = 6;
    private static final String PASS_ZERO = "0".repeat(PASS_DIGITS);

    private final String runPrefix;
    private final BenchTraffic.Encoded records;
    private final int[] keyAt;
    private final int[] valueAt;
    private long nextPass = 1;

    private RecordPool(String runPrefix, BenchTraffic.Encoded records, int[] keyAt, int[] valueAt) {
        this.runPrefix = runPrefix;
        this.records = records;
        this.keyAt = keyAt;
        this.valueAt = valueAt;
    }

    /**
     * Encodes the pool: {@code generate} receives the run-id prefix to use ({@code <runPrefix>-000000}) and must name
     * every run {@code <that prefix>-...}, the run id appearing once in each value.
     */
    static RecordPool of(String runPrefix, Function<String, BenchTraffic.Encoded> generate) {
        BenchTraffic.Encoded e = generate.apply(runPrefix + "-" + PASS_ZERO);
        byte[] marker = (runPrefix + "-" + PASS_ZERO).getBytes(StandardCharsets.UTF_8);
        int n = e.size();
        int[] keyAt = new int[n];
        int[] valueAt = new int[n];
        for (int i = 0; i < n; i++) {
            keyAt[i] = indexOf(e.keys().get(i), marker, i);
            valueAt[i] = indexOf(e.values().get(i), marker, i);
        }
        return new RecordPool(runPrefix, e, keyAt, valueAt);
    }

    private static int indexOf(byte[] haystack, byte[] needle, int record) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i + needle.length - PASS_DIGITS;
        }
        throw new IllegalArgumentException("record " + record + " does not hold its run-id prefix");
    }

    /** Records per pass. */
    int size() {
        return records.size();
    }

    /** The run-id prefix every pass shares; {@code LIKE '<prefix>-%'} matches every run sent. */
    String runPrefix() {
        return runPrefix;
    }

    /**
     * Sends {@code passes} passes of the pool to {@code topic} (not flushed), each under a pass number never used
     * before by this pool.
     *
     * @return records sent
     */
    long send(Producer<byte[], byte[]> producer, String topic, long passes) {
        byte[] digits = new byte[PASS_DIGITS];
        for (long p = 0; p < passes; p++) {
            String pass = String.format("%0" + PASS_DIGITS + "d", nextPass++);
            if (pass.length() != PASS_DIGITS) {
                throw new IllegalStateException("pass numbers exhausted");
            }
            for (int d = 0; d < PASS_DIGITS; d++) {
                digits[d] = (byte) pass.charAt(d);
            }
            for (int i = 0; i < records.size(); i++) {
                producer.send(new ProducerRecord<>(topic, patched(records.keys().get(i), keyAt[i], digits),
                        patched(records.values().get(i), valueAt[i], digits)));
            }
        }
        return passes * records.size();
    }

    private static byte[] patched(byte[] template, int at, byte[] digits) {
        byte[] b = template.clone();
        System.arraycopy(digits, 0, b, at, digits.length);
        return b;
    }
}
