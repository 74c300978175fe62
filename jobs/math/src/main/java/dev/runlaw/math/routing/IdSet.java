package dev.runlaw.math.routing;

import java.util.Arrays;

/** A route's distinct expert ids in ascending order, as a hash key (routes of three or more ids). */
record IdSet(int[] ids) implements Comparable<IdSet> {
    @Override
    public boolean equals(Object o) {
        return o instanceof IdSet s && Arrays.equals(ids, s.ids);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(ids);
    }

    @Override
    public int compareTo(IdSet o) {
        return Arrays.compare(ids, o.ids);
    }

    @Override
    public String toString() {
        return Arrays.toString(ids);
    }
}
