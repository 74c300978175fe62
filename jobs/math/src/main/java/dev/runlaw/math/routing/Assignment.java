package dev.runlaw.math.routing;

import java.util.Arrays;

/**
 * Maximum-weight perfect matching of an n × n matrix (the Hungarian method with potentials, O(n³)), used to give
 * a layer's device groups the device labels that keep the most hops from the previous layer on one device.
 */
final class Assignment {
    private Assignment() {
    }

    /** The column assigned to each row, maximising Σ weight[row][column]. */
    static int[] maximize(long[][] weight) {
        int n = weight.length;
        long max = 0;
        for (long[] row : weight) {
            for (long w : row) {
                max = Math.max(max, w);
            }
        }
        // minimise cost = max - weight (non-negative), 1-based as in the textbook formulation
        long inf = Long.MAX_VALUE / 4;
        long[] u = new long[n + 1];
        long[] v = new long[n + 1];
        int[] rowOf = new int[n + 1];
        int[] way = new int[n + 1];
        for (int i = 1; i <= n; i++) {
            rowOf[0] = i;
            int j0 = 0;
            long[] minv = new long[n + 1];
            Arrays.fill(minv, inf);
            boolean[] used = new boolean[n + 1];
            do {
                used[j0] = true;
                int i0 = rowOf[j0];
                long delta = inf;
                int j1 = 0;
                for (int j = 1; j <= n; j++) {
                    if (!used[j]) {
                        long cur = (max - weight[i0 - 1][j - 1]) - u[i0] - v[j];
                        if (cur < minv[j]) {
                            minv[j] = cur;
                            way[j] = j0;
                        }
                        if (minv[j] < delta) {
                            delta = minv[j];
                            j1 = j;
                        }
                    }
                }
                for (int j = 0; j <= n; j++) {
                    if (used[j]) {
                        u[rowOf[j]] += delta;
                        v[j] -= delta;
                    } else {
                        minv[j] -= delta;
                    }
                }
                j0 = j1;
            } while (rowOf[j0] != 0);
            do {
                int j1 = way[j0];
                rowOf[j0] = rowOf[j1];
                j0 = j1;
            } while (j0 != 0);
        }
        int[] columnOf = new int[n];
        for (int j = 1; j <= n; j++) {
            columnOf[rowOf[j] - 1] = j - 1;
        }
        return columnOf;
    }
}
