package dev.runlaw.jobs.forecast;

import dev.runlaw.jobs.clickhouse.ClickHouseRow;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Everything one input (a record or a timer) of a run makes the forecast job emit: ClickHouse rows and topic
 * records, collected in full before any is emitted, so a failure while computing them leaves no partial output.
 */
public final class Emission {
    private final List<ClickHouseRow> rows = new ArrayList<>();
    private final List<KafkaOut> records = new ArrayList<>();
    private int forecasts;
    private int advice;
    private int references;
    private boolean expired;

    void row(ClickHouseRow row) {
        rows.add(row);
    }

    void record(KafkaOut record) {
        records.add(record);
    }

    void countForecast() {
        forecasts++;
    }

    void countAdvice() {
        advice++;
    }

    void countReference() {
        references++;
    }

    void markExpired() {
        expired = true;
    }

    /** Whether this is an idle run's last forecast (its state expired). */
    public boolean expired() {
        return expired;
    }

    /** The rows for the ClickHouse sink, in order. */
    public List<ClickHouseRow> rows() {
        return Collections.unmodifiableList(rows);
    }

    /** The records for the forecasts, advice and references topics, in order. */
    public List<KafkaOut> records() {
        return Collections.unmodifiableList(records);
    }

    /** Forecast records in this emission. */
    public int forecasts() {
        return forecasts;
    }

    /** Advice records in this emission. */
    public int advice() {
        return advice;
    }

    /** Reference records in this emission. */
    public int references() {
        return references;
    }

    /** Nothing to emit. */
    public boolean isEmpty() {
        return rows.isEmpty() && records.isEmpty();
    }
}
