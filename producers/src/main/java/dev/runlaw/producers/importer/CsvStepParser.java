package dev.runlaw.producers.importer;

import dev.runlaw.schema.StepMetrics;
import dev.runlaw.schema.validate.RecordValidator;
import dev.runlaw.schema.validate.Rejection;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.avro.specific.SpecificRecord;

/**
 * The project's run format, CSV {@code step,lr,loss} with a header (columns in any order, extra columns ignored;
 * see {@code RunCurveParser}), one {@code StepMetrics} per row: {@code lr} required, finite and >= 0; {@code loss}
 * empty (not measured: null) or finite and > 0; wall time synthetic ({@link ImportSettings#wallTimeMs}).
 *
 * <p>Unlike {@code RunCurveParser}, which loads a whole curve and refuses the file at its first flaw, rows here are
 * independent: a bad row is reported and skipped and the rest is imported. Gaps in the steps are allowed (every
 * row is keyed by its own step). Blank lines are skipped silently.
 */
final class CsvStepParser implements RecordParser {
    private final String runId;
    private final long originMs;
    private final ImportSettings settings;
    private final RecordValidator validator;
    private int cStep = -1;
    private int cLr = -1;
    private int cLoss = -1;
    private int columns;

    CsvStepParser(String runId, long originMs, ImportSettings settings) {
        this.runId = runId;
        this.originMs = originMs;
        this.settings = settings;
        this.validator = new RecordValidator(settings.limits());
    }

    @Override
    public int headerUnits() {
        return 1;
    }

    @Override
    public void header(Unit unit) throws MalformedUnitException {
        String h = unit.text();
        if (h.startsWith("\uFEFF")) {
            h = h.substring(1);
        }
        String[] cols = h.trim().split(",", -1);
        for (int i = 0; i < cols.length; i++) {
            switch (cols[i].trim().toLowerCase(java.util.Locale.ROOT)) {
                case "step" -> cStep = i;
                case "lr" -> cLr = i;
                case "loss" -> cLoss = i;
                default -> {
                    // extra columns are allowed and ignored
                }
            }
        }
        if (cStep < 0 || cLr < 0 || cLoss < 0) {
            throw new MalformedUnitException(unit.number(), "header must name the columns step,lr,loss; got '"
                    + abbreviate(h) + "'");
        }
        columns = cols.length;
    }

    @Override
    public void accept(Unit unit, Consumer<SpecificRecord> out) throws MalformedUnitException {
        String line = unit.text();
        if (line.isBlank()) {
            return;
        }
        String[] f = line.split(",", -1);
        if (f.length < columns) {
            throw new MalformedUnitException(unit.number(), "expected " + columns + " columns, got " + f.length);
        }
        long step = Fields.step(unit.number(), f[cStep].trim());
        double lr = Fields.number(unit.number(), "lr", f[cLr].trim());
        if (lr < 0) {
            throw new MalformedUnitException(unit.number(), "lr must be >= 0, got " + lr);
        }
        String lossText = f[cLoss].trim();
        Double loss = null;
        if (!lossText.isEmpty()) {
            loss = Fields.number(unit.number(), "loss", lossText);
            if (loss <= 0) {
                throw new MalformedUnitException(unit.number(), "loss must be > 0, got " + loss);
            }
        }
        StepMetrics r = StepMetrics.newBuilder()
                .setRunId(runId)
                .setStep(step)
                .setWallTimeMs(settings.wallTimeMs(originMs, step))
                .setLr(lr)
                .setLoss(loss)
                .build();
        Optional<Rejection> bad = validator.validate(r);
        if (bad.isPresent()) {
            throw new MalformedUnitException(unit.number(), bad.get().toString());
        }
        out.accept(r);
    }

    static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
