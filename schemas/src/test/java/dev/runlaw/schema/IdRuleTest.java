package dev.runlaw.schema;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runlaw.schema.validate.Limits;
import dev.runlaw.schema.validate.RecordValidator;
import dev.runlaw.schema.validate.RejectReason;
import dev.runlaw.schema.validate.Rejection;
import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

/** The identifier rule: letters, digits and {@code ._:/@+-}, 1 to {@code limits.max-id-length} characters. */
class IdRuleTest {
    private final RecordValidator validator = new RecordValidator(Limits.defaults());

    /** Values an attacker or a careless script might send; none may pass as an id. */
    static final List<String> HOSTILE = List.of(
            "run'1", "run\"1", "run\\1", "run\\'", "run 1", "run\n1", "run\r1", "run\t1", "run\u00001",
            "'; DROP TABLE step_metrics; --", "x' OR '1'='1", "run/*c*/", "run;1", "run`1", "run$1", "run{a}",
            "run%271", "run=1", "run,1", "run(1)", "run#1", "run?1", "run&1", "run|1", "run<1>",
            "r\u00e9sum\u00e9", "\u0440\u0443\u043d", "run\u200b1", "run\u20281", "run\ud83d\ude80", "run\u00a01",
            "\uff07; DROP");

    /** Every id field of every record kind, set to one value. */
    static final List<BiConsumer<String, List<SpecificRecord>>> FIELDS = List.of(
            (v, out) -> {
                StepMetrics s = Samples.step();
                s.setRunId(v);
                out.add(s);
            },
            (v, out) -> {
                EvalMetrics e = Samples.eval();
                e.setEvalSet(v);
                out.add(e);
                EvalMetrics e2 = Samples.eval();
                e2.setRunId(v);
                out.add(e2);
            },
            (v, out) -> {
                RunStarted r = Samples.runStarted();
                r.setFamilyId(v);
                out.add(r);
                RunStarted r2 = Samples.runStarted();
                r2.setRunId(v);
                out.add(r2);
            },
            (v, out) -> {
                RoutingTraceBatch b = Samples.routing();
                b.setSource(v);
                out.add(b);
                RoutingTraceBatch b2 = Samples.routing();
                b2.getTokens().get(0).setSequenceId(v);
                out.add(b2);
            },
            (v, out) -> {
                DataMovement d = Samples.dataMovement();
                d.setSource(v);
                out.add(d);
            });

    private List<SpecificRecord> everyIdFieldSetTo(String v) {
        List<SpecificRecord> out = new java.util.ArrayList<>();
        FIELDS.forEach(f -> f.accept(v, out));
        return out;
    }

    @Test
    void refusesEveryHostileIdInEveryIdFieldWithInvalidId() {
        for (String v : HOSTILE) {
            for (SpecificRecord r : everyIdFieldSetTo(v)) {
                Optional<Rejection> rej = validator.validate(r);
                assertThat(rej).as("%s with %s", r.getClass().getSimpleName(), escape(v)).isPresent();
                assertThat(rej.get().reason()).as(escape(v)).isEqualTo(RejectReason.INVALID_ID);
            }
        }
    }

    @Test
    void acceptsEveryCharacterOfTheDocumentedSetInEveryIdField() {
        String all = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:/@+-";
        for (String v : List.of(all, "llama-3/8b@run+2:seed.7_a", "7", "s0-q3", "rank12")) {
            for (SpecificRecord r : everyIdFieldSetTo(v)) {
                assertThat(validator.validate(r)).as("%s with %s", r.getClass().getSimpleName(), v).isEmpty();
            }
        }
    }

    @Test
    void messageNamesFieldAndCodePointWithoutEchoingTheRawCharacter() {
        Rejection rej = validator.checkId("--run-id", "run\n'; DROP").orElseThrow();
        assertThat(rej.reason()).isEqualTo(RejectReason.INVALID_ID);
        assertThat(rej.message()).startsWith("--run-id has character U+000A at index 3")
                .contains("._:/@+-").doesNotContain("\n").doesNotContain("DROP");
    }

    @Test
    void lengthIsLimitedByMaxIdLengthAndBlankIsMissing() {
        Limits d = Limits.defaults();
        RecordValidator short8 = new RecordValidator(new Limits(8, d.maxExperts(), d.maxTopK(), d.maxLayers(),
                d.maxTokensPerBatch(), d.maxDevices(), d.maxLrPerStep(), d.maxMapEntries()));
        assertThat(short8.checkId("source", "12345678")).isEmpty();
        assertThat(short8.checkId("source", "123456789").orElseThrow().reason())
                .isEqualTo(RejectReason.FIELD_TOO_LONG);
        assertThat(validator.checkId("source", "x".repeat(256))).isEmpty();
        assertThat(validator.checkId("source", "x".repeat(257)).orElseThrow().reason())
                .isEqualTo(RejectReason.FIELD_TOO_LONG);
        for (String blank : new String[] {null, "", " ", "\n"}) {
            assertThat(validator.checkId("run id", blank).orElseThrow().reason())
                    .isEqualTo(RejectReason.MISSING_RUN_ID);
        }
    }

    @Test
    void familyIdMayBeEmptyMeaningNoFamily() {
        RunStarted r = Samples.runStarted();
        r.setFamilyId("");
        assertThat(validator.validate(r)).isEmpty();
    }

    private static String escape(String v) {
        StringBuilder sb = new StringBuilder();
        v.chars().forEach(c -> sb.append(c >= 0x20 && c < 0x7f ? String.valueOf((char) c)
                : String.format("\\u%04x", c)));
        return sb.toString();
    }
}
