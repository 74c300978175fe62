package dev.runlaw.producers.importer;

import dev.runlaw.schema.StepMetrics;
import dev.runlaw.schema.validate.RecordValidator;
import dev.runlaw.schema.validate.Rejection;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.avro.specific.SpecificRecord;

/**
 * TensorBoard event files to {@code StepMetrics}: the loss tag and the learning-rate tag of one step (written as
 * separate events, usually next to each other) are joined into one record per step.
 *
 * <p>The parser holds back the step being read until an event of another step arrives, so a step's loss and LR
 * meet even when written in either order. Steps with only an LR get a record with a null loss (the LR still feeds
 * the schedule-aware loss laws). Steps with a loss but no LR of their own take the last LR seen (trainers often
 * log the LR less often); before any LR is seen the LR is 0 and such steps are counted by
 * {@link #stepsWithoutLr()}. Wall time is the event's own (seconds → ms). Events of other tags are ignored.
 */
final class TensorBoardScalarParser implements RecordParser {
    private final String runId;
    private final long originMs;
    private final ImportSettings settings;
    private final RecordValidator validator;
    private final List<String> lossTags;
    private final List<String> lrTags;

    private boolean pending;
    private long pStep;
    private Position pStart;
    private Double pLoss;
    private int pLossRank;
    private Double pLr;
    private int pLrRank;
    private double pWall;
    /** The LR carried into steps without one; the value before the pending step goes into checkpoints. */
    private Double lastLr;
    private long stepsWithoutLr;
    private final List<MalformedUnitException> deferred = new ArrayList<>();

    TensorBoardScalarParser(String runId, long originMs, ImportSettings settings) {
        this.runId = runId;
        this.originMs = originMs;
        this.settings = settings;
        this.validator = new RecordValidator(settings.limits());
        this.lossTags = settings.lossTags();
        this.lrTags = settings.lrTags();
    }

    @Override
    public void accept(Unit unit, Consumer<SpecificRecord> out) throws MalformedUnitException {
        TensorBoardEvent e;
        try {
            e = TensorBoardEvent.decode(unit.data(), 0, unit.length());
        } catch (IllegalArgumentException ex) {
            throw new MalformedUnitException(unit.number(), "not a TensorBoard Event: " + ex.getMessage());
        }
        for (TensorBoardEvent.Scalar s : e.scalars()) {
            int lossRank = lossTags.indexOf(s.tag());
            int lrRank = lrTags.indexOf(s.tag());
            if (lossRank < 0 && lrRank < 0) {
                continue;
            }
            if (e.step() < 0) {
                throw new MalformedUnitException(unit.number(), "step must be >= 0, got " + e.step());
            }
            if (pending && e.step() != pStep) {
                emit(out);
            }
            if (!pending) {
                pending = true;
                pStep = e.step();
                pStart = new Position(unit.start(), unit.number() - 1);
                pLoss = null;
                pLr = null;
                pLossRank = Integer.MAX_VALUE;
                pLrRank = Integer.MAX_VALUE;
                pWall = 0;
            }
            // Several matching tags at one step (e.g. "loss" and "lm loss"): the earlier in the tag list wins.
            if (lossRank >= 0 && lossRank < pLossRank) {
                pLoss = s.value();
                pLossRank = lossRank;
            }
            if (lrRank >= 0 && lrRank < pLrRank) {
                pLr = s.value();
                pLrRank = lrRank;
            }
            pWall = Math.max(pWall, e.wallTime());
        }
    }

    private void emit(Consumer<SpecificRecord> out) {
        pending = false;
        double lr;
        if (pLr != null) {
            lr = pLr;
            lastLr = pLr;
        } else if (lastLr != null) {
            lr = lastLr;
        } else {
            lr = 0.0;
            stepsWithoutLr++;
        }
        long wall = pWall > 0 ? Math.round(pWall * 1000.0) : settings.wallTimeMs(originMs, pStep);
        StepMetrics r = StepMetrics.newBuilder()
                .setRunId(runId)
                .setStep(pStep)
                .setWallTimeMs(wall)
                .setLr(lr)
                .setLoss(pLoss)
                .build();
        Optional<Rejection> bad = validator.validate(r);
        if (bad.isPresent()) {
            // A NaN loss or negative LR in the file; reported against the step's first event.
            deferred.add(new MalformedUnitException(pStart.unitsBefore() + 1, "step " + pStep + ": " + bad.get()));
            return;
        }
        out.accept(r);
    }

    @Override
    public void end(Consumer<SpecificRecord> out) {
        if (pending) {
            emit(out);
        }
    }

    @Override
    public Position pending() {
        return pending ? pStart : null;
    }

    @Override
    public Map<String, String> state() {
        Map<String, String> s = new HashMap<>();
        if (lastLr != null) {
            s.put("last_lr", Double.toString(lastLr));
        }
        return s;
    }

    @Override
    public void restore(Map<String, String> state) {
        String v = state.get("last_lr");
        lastLr = v == null ? null : Double.valueOf(v);
    }

    long stepsWithoutLr() {
        return stepsWithoutLr;
    }

    @Override
    public List<String> notes() {
        return stepsWithoutLr == 0 ? List.of() : List.of(stepsWithoutLr + " steps came before any learning-rate tag "
                + lrTags + " and were sent with lr 0 (see --lr-tag)");
    }

    @Override
    public List<MalformedUnitException> drainDeferred() {
        if (deferred.isEmpty()) {
            return List.of();
        }
        List<MalformedUnitException> d = List.copyOf(deferred);
        deferred.clear();
        return d;
    }
}
