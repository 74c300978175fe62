package dev.runlaw.math.anomaly;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * DEAD_EXPERT for one MoE layer: an expert that receives zero tokens for {@code W} consecutive observed steps
 * ({@link AnomalySettings.Moe#deadExpertSteps()}) is dead; the alert's first step is its first zero step, its
 * detected step the W-th.
 *
 * <p>Why not the shared {@link AlertLifecycle} alone: it keeps one open alert per (kind, layer), and a collapsing
 * layer loses several experts within a few steps of each other; every one of them must be told. So this class keeps
 * the lifecycle per expert in E-sized arrays: an expert inside an open alert cannot raise another (de-duplication),
 * and after it revives it cannot raise again for {@code cooldownSteps} (cool-down, as the shared lifecycle). Experts
 * whose zero run starts at the same step share one alert, because the alert's identity is (run, kind, layer, first
 * step); the alert resolves when the last of them gets tokens again. State: three E-sized arrays plus at most E open
 * alerts.
 */
final class DeadExperts {
    private final int layer;
    private final int window;
    private final long cooldown;
    private final int[] zeroRun;
    /** First step of the open alert the expert belongs to, or -1. */
    private final long[] openFirst;
    /** First step at which the expert may raise again. */
    private final long[] quietUntil;
    private final List<Group> open = new ArrayList<>();

    /** An open alert and how many of its experts are still dead. */
    private static final class Group {
        private final Alert alert;
        private int stillDead;
        private long lastZero;

        private Group(Alert alert, int stillDead, long lastZero) {
            this.alert = alert;
            this.stillDead = stillDead;
            this.lastZero = lastZero;
        }
    }

    DeadExperts(int layer, int experts, int window, long cooldown) {
        this.layer = layer;
        this.window = window;
        this.cooldown = cooldown;
        this.zeroRun = new int[experts];
        this.openFirst = new long[experts];
        this.quietUntil = new long[experts];
        java.util.Arrays.fill(openFirst, -1);
        java.util.Arrays.fill(quietUntil, Long.MIN_VALUE);
    }

    int experts() {
        return zeroRun.length;
    }

    /** Feeds one step's loads (length = E, total > 0); appends OPEN and RESOLVED events to {@code out}. */
    void onStep(long step, long[] tokens, double meanTokens, List<Alert> out) {
        long newFirst = Long.MIN_VALUE;
        StringBuilder ids = null;
        int count = 0;
        for (int e = 0; e < zeroRun.length; e++) {
            if (tokens[e] == 0) {
                if (zeroRun[e] < Integer.MAX_VALUE) {
                    zeroRun[e]++;
                }
                if (openFirst[e] >= 0) {
                    groupOf(openFirst[e]).lastZero = step;
                } else if (zeroRun[e] >= window && step >= quietUntil[e]) {
                    long first = step - zeroRun[e] + 1;
                    Group existing = findGroup(first);
                    if (existing != null) {
                        // Same identity (its run began at the same step but cool-down delayed it): covered already.
                        existing.stillDead++;
                        openFirst[e] = first;
                    } else if (ids == null || first == newFirst) {
                        newFirst = first;
                        ids = ids == null ? new StringBuilder().append(e) : ids.append(", ").append(e);
                        count++;
                        openFirst[e] = first;
                    }
                    // else: a second new first step in the same step (only after cool-downs); raised next step.
                }
            } else {
                zeroRun[e] = 0;
                if (openFirst[e] >= 0) {
                    Group g = groupOf(openFirst[e]);
                    openFirst[e] = -1;
                    quietUntil[e] = step + cooldown;
                    if (--g.stillDead == 0) {
                        open.remove(g);
                        out.add(g.alert.resolved(g.lastZero));
                    }
                }
            }
        }
        if (count > 0) {
            String who = count == 1 ? "expert " + ids : "experts " + ids;
            Alert a = new Alert(AlertKind.DEAD_EXPERT, Severity.WARNING, layer, newFirst, step, -1, count,
                    meanTokens, step - newFirst + 1,
                    "layer " + layer + ": " + who + " got no tokens for " + (step - newFirst + 1)
                            + " steps (since step " + newFirst + ")", AlertState.OPEN);
            open.add(new Group(a, count, step));
            out.add(a);
        }
    }

    /** The layer's stream ended: resolves every open group at {@code lastStep}; appends the RESOLVED events. */
    void closeAll(long lastStep, List<Alert> out) {
        for (Group g : open) {
            out.add(g.alert.resolved(Math.max(lastStep, g.alert.firstStep())));
        }
        open.clear();
        for (int e = 0; e < openFirst.length; e++) {
            if (openFirst[e] >= 0) {
                openFirst[e] = -1;
                quietUntil[e] = lastStep + 1 + cooldown;
            }
        }
    }

    private Group findGroup(long first) {
        for (Group g : open) {
            if (g.alert.firstStep() == first) {
                return g;
            }
        }
        return null;
    }

    private Group groupOf(long first) {
        Group g = findGroup(first);
        if (g == null) {
            throw new IllegalStateException("no open dead-expert alert from step " + first);
        }
        return g;
    }

    /** Number of open DEAD_EXPERT alerts. */
    int openAlerts() {
        return open.size();
    }

    void write(DataOutput out) throws IOException {
        out.writeInt(zeroRun.length);
        for (int e = 0; e < zeroRun.length; e++) {
            out.writeInt(zeroRun[e]);
            out.writeLong(openFirst[e]);
            out.writeLong(quietUntil[e]);
        }
        out.writeInt(open.size());
        for (Group g : open) {
            Alert a = g.alert;
            out.writeLong(a.firstStep());
            out.writeLong(a.detectedStep());
            out.writeDouble(a.value());
            out.writeDouble(a.expected());
            out.writeDouble(a.score());
            out.writeUTF(a.message());
            out.writeInt(g.stillDead);
            out.writeLong(g.lastZero);
        }
    }

    static DeadExperts read(DataInput in, int layer, int window, long cooldown) throws IOException {
        int experts = in.readInt();
        if (experts < 1) {
            throw new IOException("corrupt dead-expert state: " + experts + " experts");
        }
        DeadExperts d = new DeadExperts(layer, experts, window, cooldown);
        for (int e = 0; e < experts; e++) {
            d.zeroRun[e] = in.readInt();
            d.openFirst[e] = in.readLong();
            d.quietUntil[e] = in.readLong();
        }
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
            Alert a = new Alert(AlertKind.DEAD_EXPERT, Severity.WARNING, layer, in.readLong(), in.readLong(), -1,
                    in.readDouble(), in.readDouble(), in.readDouble(), in.readUTF(), AlertState.OPEN);
            d.open.add(new Group(a, in.readInt(), in.readLong()));
        }
        return d;
    }
}
