package dev.runlaw.math.anomaly;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Consecutive-step bookkeeping of one sustained rule: how long the condition has held (and since when), how long
 * the healthy condition has held, and the last step that was not healthy (the alert's last step when it resolves).
 * A step can be neither bad nor healthy (between an opening and a resolving threshold): it breaks both runs.
 */
final class Streak {
    /** First step of the current bad run. */
    long start = -1;
    /** Length of the current bad run in observed steps. */
    int length;
    /** Length of the current healthy run in observed steps. */
    int healthy;
    /** Last step that was not healthy. */
    long lastBad = -1;

    /** Records one step; returns the length of the bad run including it (0 when the step is not bad). */
    int update(long step, boolean bad, boolean isHealthy) {
        if (bad) {
            if (length == 0) {
                start = step;
            }
            if (length < Integer.MAX_VALUE) {
                length++;
            }
        } else {
            length = 0;
        }
        if (isHealthy && !bad) {
            if (healthy < Integer.MAX_VALUE) {
                healthy++;
            }
        } else {
            healthy = 0;
            lastBad = step;
        }
        return length;
    }

    void copy(Streak other) {
        start = other.start;
        length = other.length;
        healthy = other.healthy;
        lastBad = other.lastBad;
    }

    void write(DataOutput out) throws IOException {
        out.writeLong(start);
        out.writeInt(length);
        out.writeInt(healthy);
        out.writeLong(lastBad);
    }

    static Streak read(DataInput in) throws IOException {
        Streak k = new Streak();
        k.start = in.readLong();
        k.length = in.readInt();
        k.healthy = in.readInt();
        k.lastBad = in.readLong();
        return k;
    }
}
