package dev.runlaw.jobs.forecast;

import static dev.runlaw.jobs.forecast.ForecastTestRuns.reference;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runlaw.schema.RunReference;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The per-task book of family references, without Flink: bounds, order, replacement, selection for a run. */
class FamilyReferenceBookTest {

    @Test
    void keepsTheMostRecentRunsPerFamilyAndDropsTheLeastRecentOverall() {
        FamilyReferenceBook book = new FamilyReferenceBook(2, 3);
        assertThat(book.add(reference("a1", "a", 1, 2.5)).kept()).isTrue();
        assertThat(book.add(reference("a2", "a", 2, 2.4)).dropped()).isEmpty();
        FamilyReferenceBook.Change c = book.add(reference("a3", "a", 3, 2.3));
        assertThat(c.kept()).isTrue();
        assertThat(c.dropped()).containsExactly("a1");
        book.add(reference("b1", "b", 4, 2.2));
        // Four runs now (a2, a3, b1, b2): the total bound drops the least recent, a2.
        assertThat(book.add(reference("b2", "b", 5, 2.1)).dropped()).containsExactly("a2");
        assertThat(book.size()).isEqualTo(3);
        assertThat(book.forRun("a", "x").runIds()).containsExactly("a3");
        assertThat(book.forRun("b", "x").runIds()).containsExactly("b2", "b1");
        // An older run than every kept one does not make the cut and is dropped at once.
        FamilyReferenceBook.Change old = book.add(reference("b0", "b", 0, 2.0));
        assertThat(old.kept()).isFalse();
        assertThat(old.dropped()).containsExactly("b0");
    }

    @Test
    void keepsTheSameRunsWhateverTheOrderTheyArriveIn() {
        List<RunReference> refs = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            refs.add(reference("r" + i, "f" + (i % 4), 1_000 + (i * 37L) % 23, 2.0 + i / 100.0));
        }
        List<List<String>> kept = new ArrayList<>();
        Random rnd = new Random(7);
        for (int trial = 0; trial < 5; trial++) {
            Collections.shuffle(refs, rnd);
            FamilyReferenceBook book = new FamilyReferenceBook(5, 12);
            refs.forEach(book::add);
            List<String> ids = new ArrayList<>();
            for (int f = 0; f < 4; f++) {
                ids.addAll(book.forRun("f" + f, "none").runIds());
            }
            kept.add(ids);
        }
        assertThat(kept.get(0)).hasSize(12);
        assertThat(kept).allSatisfy(ids -> assertThat(ids).isEqualTo(kept.get(0)));
    }

    @Test
    void aRepublishedRunReplacesItsEarlierReference() {
        FamilyReferenceBook book = new FamilyReferenceBook(8, 100);
        book.add(reference("a1", "a", 1, 2.5));
        book.add(reference("a1", "a", 9, 2.1));
        assertThat(book.size()).isEqualTo(1);
        assertThat(book.forRun("a", "x").bestSibling().getFinalLoss()).isEqualTo(2.1);
    }

    @Test
    void aRunSeesItsFamilyWithoutItselfMostRecentFirstAndItsBestSibling() {
        FamilyReferenceBook book = new FamilyReferenceBook(8, 100);
        book.add(reference("a1", "a", 1, 2.2));
        book.add(reference("a2", "a", 3, 2.4));
        book.add(reference("me", "a", 5, 1.0));
        book.add(reference("b1", "b", 4, 1.5));
        FamilyReferenceBook.FamilyReferences refs = book.forRun("a", "me");
        assertThat(refs.runIds()).containsExactly("a2", "a1");
        assertThat(refs.observations()).extracting(o -> o.name()).containsExactly("a2", "a1");
        assertThat(refs.bestSibling().getRunId()).isEqualTo("a1");
        assertThat(book.forRun("", "me").runIds()).isEmpty();
        assertThat(book.forRun("c", "me").bestSibling()).isNull();
    }

    @Test
    void anUnusableCurveIsNoFitterInputButStillASiblingToBeat() {
        FamilyReferenceBook book = new FamilyReferenceBook(8, 100);
        RunReference broken = reference("a1", "a", 1, 2.0);
        broken.setLrKnotValues(List.of(3e-4)); // two knot steps, one value
        book.add(broken);
        FamilyReferenceBook.FamilyReferences refs = book.forRun("a", "me");
        assertThat(refs.runIds()).isEmpty();
        assertThat(refs.bestSibling().getRunId()).isEqualTo("a1");
    }

    @Test
    void zeroPerFamilyKeepsNothingAndNegativeBoundsAreRefused() {
        FamilyReferenceBook book = new FamilyReferenceBook(0, 10);
        assertThat(book.add(reference("a1", "a", 1, 2.0)).kept()).isFalse();
        assertThat(book.size()).isZero();
        assertThatThrownBy(() -> new FamilyReferenceBook(-1, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
