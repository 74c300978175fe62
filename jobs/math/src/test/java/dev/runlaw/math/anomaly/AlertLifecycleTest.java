package dev.runlaw.math.anomaly;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AlertLifecycleTest {

    private static Optional<Alert> open(AlertLifecycle l, AlertKind k, int layer, long step) {
        return l.open(k, Severity.WARNING, layer, step, step, 1, 1, 1, "m");
    }

    @Test
    void deduplicatesWhileOpenAndCoolsDownAfterResolving() {
        AlertLifecycle l = new AlertLifecycle(10);
        assertTrue(open(l, AlertKind.LOSS_SPIKE, -1, 100).isPresent());
        assertTrue(open(l, AlertKind.LOSS_SPIKE, -1, 101).isEmpty(), "de-duplicated");
        assertTrue(open(l, AlertKind.GRAD_NORM_SPIKE, -1, 101).isPresent(), "other kind independent");
        assertTrue(open(l, AlertKind.IMBALANCE, 3, 101).isPresent());
        assertTrue(open(l, AlertKind.IMBALANCE, 4, 101).isPresent(), "other layer independent");
        Alert r = l.resolve(AlertKind.LOSS_SPIKE, -1, 102).orElseThrow();
        assertEquals(AlertState.RESOLVED, r.state());
        assertEquals(100, r.firstStep());
        assertEquals(102, r.lastStep());
        assertFalse(l.isOpen(AlertKind.LOSS_SPIKE, -1));
        assertTrue(open(l, AlertKind.LOSS_SPIKE, -1, 112).isEmpty(), "cooling down until 113");
        assertTrue(open(l, AlertKind.LOSS_SPIKE, -1, 113).isPresent());
        assertTrue(l.resolve(AlertKind.DIVERGENCE, -1, 5).isEmpty());
    }

    @Test
    void roundTripsThroughBytes() throws IOException {
        AlertLifecycle l = new AlertLifecycle(10);
        open(l, AlertKind.DEAD_EXPERT, 2, 50);
        open(l, AlertKind.LOSS_SPIKE, -1, 60);
        l.resolve(AlertKind.LOSS_SPIKE, -1, 61);
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        l.write(new DataOutputStream(b));
        AlertLifecycle r = AlertLifecycle.read(new DataInputStream(new ByteArrayInputStream(b.toByteArray())));
        assertEquals(l.openAlert(AlertKind.DEAD_EXPERT, 2), r.openAlert(AlertKind.DEAD_EXPERT, 2));
        assertTrue(open(r, AlertKind.LOSS_SPIKE, -1, 70).isEmpty());
        assertTrue(open(r, AlertKind.LOSS_SPIKE, -1, 72).isPresent());
    }

    @Test
    void alertChecksItsInvariants() {
        assertThrows(IllegalArgumentException.class, () -> new Alert(AlertKind.STALL, Severity.INFO, -2, 1, 1, -1,
                0, 0, 0, "m", AlertState.OPEN));
        assertThrows(IllegalArgumentException.class, () -> new Alert(AlertKind.STALL, Severity.INFO, -1, 5, 5, 3,
                0, 0, 0, "m", AlertState.RESOLVED));
        assertThrows(IllegalArgumentException.class, () -> new Alert(AlertKind.STALL, Severity.INFO, -1, 5, 5, 7,
                0, 0, 0, "m", AlertState.OPEN));
    }
}
