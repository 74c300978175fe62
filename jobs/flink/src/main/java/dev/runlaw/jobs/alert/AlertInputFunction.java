package dev.runlaw.jobs.alert;

import dev.runlaw.jobs.kafka.DeadLetterEvent;
import dev.runlaw.jobs.kafka.DeadLetters;
import dev.runlaw.jobs.kafka.KafkaRecord;
import dev.runlaw.jobs.kafka.TelemetryDecoder;
import dev.runlaw.schema.RunForecast;
import dev.runlaw.schema.StepMetrics;
import dev.runlaw.schema.validate.Limits;
import dev.runlaw.schema.validate.RejectReason;
import dev.runlaw.schema.validate.Rejection;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The alert job's gate, before records are keyed by run: a usable record passes on unchanged; one the job cannot
 * use becomes a {@link DeadLetterEvent} with its reason on {@link DeadLetters#TAG}. Telemetry is checked by the same
 * {@link TelemetryDecoder} as the other jobs; a step whose loss is NaN or infinite passes (it is what NON_FINITE
 * alerts on). A forecast must decode as a {@link RunForecast} and be keyed by its run id.
 *
 * <p>Metrics, in group {@code runlaw_alert}: {@code dead_letters_<REASON>}. Stateless.
 */
public final class AlertInputFunction extends ProcessFunction<KafkaRecord, KafkaRecord> {
    private static final long serialVersionUID = 1L;

    private final AlertConfig config;

    private transient TelemetryDecoder decoder;
    private transient Map<RejectReason, Counter> refused;

    public AlertInputFunction(AlertConfig config) {
        this.config = config;
    }

    @Override
    public void open(OpenContext openContext) {
        Limits limits = config.settings().limits();
        decoder = new TelemetryDecoder(config.settings().topicPrefix(), AlertConfig.INPUT_KINDS, limits, true);
        refused = DeadLetters.counters(getRuntimeContext().getMetricGroup().addGroup("runlaw_alert"));
    }

    @Override
    public void processElement(KafkaRecord in, Context ctx, Collector<KafkaRecord> out) {
        Rejection why = in.topic().equals(config.forecastsTopic()) ? checkForecast(in) : checkTelemetry(in);
        if (why == null) {
            out.collect(in);
            return;
        }
        refused.get(why.reason()).inc();
        ctx.output(DeadLetters.TAG, DeadLetterEvent.of(in, why, System.currentTimeMillis()));
    }

    private Rejection checkTelemetry(KafkaRecord in) {
        TelemetryDecoder.Result r = decoder.decode(in);
        if (r.accepted()) {
            return null;
        }
        boolean diverged = r.rejection().reason() == RejectReason.NON_FINITE_LOSS
                && r.record() instanceof StepMetrics s && s.getStep() >= 0;
        return diverged ? null : r.rejection();
    }

    /** Null when {@code in} is a forecast keyed by its run id. */
    static Rejection checkForecast(KafkaRecord in) {
        RunForecast f;
        try {
            f = RunForecast.fromByteBuffer(ByteBuffer.wrap(in.value()));
        } catch (Exception e) {
            // Avro throws unchecked and checked exceptions alike for bytes that are not a RunForecast.
            return Rejection.of(RejectReason.UNDECODABLE, "not a RunForecast: " + e.getMessage());
        }
        String key = in.key() == null ? null : new String(in.key(), StandardCharsets.UTF_8);
        if (!f.getRunId().equals(key)) {
            return Rejection.of(RejectReason.INCONSISTENT, "forecast of run '" + f.getRunId()
                    + "' is not under its run id as Kafka key");
        }
        return null;
    }
}
