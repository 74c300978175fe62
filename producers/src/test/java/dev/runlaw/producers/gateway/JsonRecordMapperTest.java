package dev.runlaw.producers.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.runlaw.schema.DecayKind;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.RoutingTraceBatch;
import dev.runlaw.schema.RunFinished;
import dev.runlaw.schema.RunStarted;
import dev.runlaw.schema.RunStatus;
import dev.runlaw.schema.StepMetrics;
import dev.runlaw.schema.StopTargetKind;
import dev.runlaw.schema.validate.Limits;
import dev.runlaw.schema.validate.RecordValidator;
import dev.runlaw.schema.validate.RejectReason;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

class JsonRecordMapperTest {
    private final JsonRecordMapper mapper = new JsonRecordMapper();
    private final JsonMapper json = JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

    private SpecificRecord map(RecordKind kind, String text) throws Exception {
        return mapper.toRecord(json.readTree(text.replace('\'', '"')), kind.schema());
    }

    private String errorOf(RecordKind kind, String text) {
        try {
            map(kind, text);
        } catch (JsonRecordMapper.MappingException e) {
            return e.code() + ": " + e.getMessage();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("no error for " + text);
    }

    @Test
    void mapsStepMetricsWithDefaultsForMissingOptionalFields() throws Exception {
        StepMetrics s = (StepMetrics) map(RecordKind.STEP_METRICS,
                "{'run_id':'r1','step':7,'wall_time_ms':1700000000000,'lr':0.001,'loss':3.25,"
                        + "'group_lrs':{'emb':0.0005}}");
        assertThat(s.getRunId()).isEqualTo("r1");
        assertThat(s.getStep()).isEqualTo(7L);
        assertThat(s.getLoss()).isEqualTo(3.25);
        assertThat(s.getTokensSeen()).isZero();
        assertThat(s.getGradNorm()).isNull();
        assertThat(s.getGroupLrs()).isEqualTo(Map.of("emb", 0.0005));
        // The same bytes as a record built in Java: the mapping adds nothing.
        assertThat(s).isEqualTo(StepMetrics.newBuilder().setRunId("r1").setStep(7).setWallTimeMs(1700000000000L)
                .setLr(0.001).setLoss(3.25).setGroupLrs(Map.of("emb", 0.0005)).build());
    }

    @Test
    void mapsNestedRecordsUnionsEnumsAndArraysOfRunStarted() throws Exception {
        RunStarted r = (RunStarted) map(RecordKind.RUN_STARTED,
                "{'run_id':'r1','started_at_ms':1,'planned_total_steps':1000,'model':{'layers':12,'experts':8},"
                        + "'schedule':{'kind':'wsd_linear','peak_lr':0.001,'total_steps':1000,'milestones':[10,20]},"
                        + "'stop_target':{'kind':'LOSS','target_loss':2.5},'tags':{'owner':'me'}}");
        assertThat(r.getModel().getLayers()).isEqualTo(12);
        assertThat(r.getModel().getTopK()).isZero();
        assertThat(r.getSchedule().getKind()).isEqualTo(DecayKind.WSD_LINEAR);
        assertThat(r.getSchedule().getMilestones()).containsExactly(10L, 20L);
        assertThat(r.getSchedule().getGamma()).isEqualTo(0.1);
        assertThat(r.getStopTarget().getKind()).isEqualTo(StopTargetKind.LOSS);
        assertThat(r.getFamilyId()).isEmpty();
        assertThat(r.getLrPerStep()).isNull();
        assertThat(r.getTags()).containsEntry("owner", "me");
    }

    @Test
    void mapsRoutingTracesWithFloatGateWeightsAndRunFinishedEnum() throws Exception {
        RoutingTraceBatch b = (RoutingTraceBatch) map(RecordKind.ROUTING_TRACE,
                "{'source':'r1','source_kind':'TRAINING','wall_time_ms':5,'tokens':[{'sequence_id':'s',"
                        + "'token_position':0,'layer':1,'expert_ids':[3,1],'gate_weights':[0.75,0.25]}]}");
        assertThat(b.getStep()).isEqualTo(-1L);
        assertThat(b.getTokens().get(0).getGateWeights()).containsExactly(0.75f, 0.25f);
        RunFinished f = (RunFinished) map(RecordKind.RUN_FINISHED,
                "{'run_id':'r1','finished_at_ms':9,'final_step':99,'status':'STOPPED_EARLY','message':null}");
        assertThat(f.getStatus()).isEqualTo(RunStatus.STOPPED_EARLY);
    }

    @Test
    void refusesWrongTypesUnknownAndMissingFieldsNamingThePath() {
        assertThat(errorOf(RecordKind.STEP_METRICS, "{'run_id':'r','step':'7','wall_time_ms':1,'lr':0.1}"))
                .startsWith("WRONG_TYPE: step must be an integer");
        assertThat(errorOf(RecordKind.STEP_METRICS, "{'run_id':'r','step':7.5,'wall_time_ms':1,'lr':0.1}"))
                .startsWith("WRONG_TYPE: step must be an integer");
        assertThat(errorOf(RecordKind.STEP_METRICS, "{'run_id':'r','step':7,'wall_time_ms':1,'lr':0.1,'los':2}"))
                .startsWith("UNKNOWN_FIELD: unknown field los");
        assertThat(errorOf(RecordKind.STEP_METRICS, "{'run_id':'r','wall_time_ms':1,'lr':0.1}"))
                .isEqualTo("MISSING_FIELD: missing required field step");
        assertThat(errorOf(RecordKind.STEP_METRICS, "{'run_id':null,'step':1,'wall_time_ms':1,'lr':0.1}"))
                .startsWith("WRONG_TYPE: run_id must be a string");
        assertThat(errorOf(RecordKind.STEP_METRICS,
                "{'run_id':'r','step':123456789012345678901234567890,'wall_time_ms':1,'lr':0.1}"))
                .startsWith("OUT_OF_RANGE: step does not fit a 64-bit integer");
        assertThat(errorOf(RecordKind.ROUTING_TRACE, "{'source':'r','source_kind':'inference','wall_time_ms':5,"
                + "'tokens':[{'sequence_id':'s','token_position':0,'layer':4000000000,'expert_ids':[1]}]}"))
                .startsWith("OUT_OF_RANGE: tokens[0].layer does not fit a 32-bit integer");
        assertThat(errorOf(RecordKind.RUN_FINISHED, "{'run_id':'r','finished_at_ms':1,'final_step':1,'status':'DONE'}"))
                .startsWith("WRONG_TYPE: status must be one of [COMPLETED");
        assertThat(errorOf(RecordKind.STEP_METRICS, "[1,2]")).startsWith("WRONG_TYPE: the record must be an object");
    }

    @Test
    void nonFiniteLossMapsAndIsThenRefusedByTheIngestRules() throws Exception {
        StepMetrics s = (StepMetrics) map(RecordKind.STEP_METRICS,
                "{'run_id':'r','step':1,'wall_time_ms':1700000000000,'lr':0.1,'loss':NaN}");
        assertThat(new RecordValidator(Limits.defaults()).validate(s)).get()
                .extracting(r -> r.reason()).isEqualTo(RejectReason.NON_FINITE_LOSS);
    }

    @Test
    void writesRecordsBackToJsonWithPlainUnionsAndEnumNames() throws Exception {
        String text = "{'run_id':'r1','finished_at_ms':9,'final_step':99,'status':'COMPLETED','message':'ok'}";
        JsonNode back = mapper.toJson((RunFinished) map(RecordKind.RUN_FINISHED, text));
        assertThat(back.toString()).isEqualTo(json.readTree(text.replace('\'', '"')).toString());
        StepMetrics s = StepMetrics.newBuilder().setRunId("r").setStep(1).setWallTimeMs(2).setLr(0.5).build();
        assertThat(mapper.toRecord(mapper.toJson(s), s.getSchema())).isEqualTo(s);
        assertThat(List.of(mapper.toJson(s).get("loss").isNull())).containsExactly(true);
    }

    @Test
    void refusesTypoInEnumEvenInNestedRecordsAndReportsNestedPath() {
        assertThatThrownBy(() -> map(RecordKind.RUN_STARTED, "{'run_id':'r','started_at_ms':1,'planned_total_steps':1,"
                + "'model':{'layer':2}}"))
                .isInstanceOf(JsonRecordMapper.MappingException.class)
                .hasMessageContaining("unknown field model.layer");
    }
}
