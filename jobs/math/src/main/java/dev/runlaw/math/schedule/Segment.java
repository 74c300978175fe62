package dev.runlaw.math.schedule;

/**
 * One segment of an {@link LrSchedule.Builder}: its per-step values and its knots for a piecewise-linear schedule.
 * The implementations are the builder's segment kinds (see {@link LrSchedule.Builder} for their conventions).
 */
interface Segment {
    int steps();

    /** The LR at offset {@code i} of the segment. */
    double at(int i);

    /** Appends knots for steps {@code base..base + steps() - 1}, the first and last among them. */
    void knots(KnotList out, long base, double relTol);

    /** Linear from {@code from} at offset 0 to {@code to} at the last offset (warmup, constant). */
    record Ramp(int steps, double from, double to) implements Segment {
        @Override
        public double at(int i) {
            return steps == 1 ? to : from + (to - from) * i / (steps - 1.0);
        }

        @Override
        public void knots(KnotList out, long base, double relTol) {
            out.add(base, at(0));
            if (steps > 1) {
                out.add(base + steps - 1, at(steps - 1));
            }
        }
    }

    /** The rising half of a cyclic period: {@code lo + (hi - lo) * i / width}. */
    record Rise(int steps, double lo, double hi, int width) implements Segment {
        @Override
        public double at(int i) {
            return lo + (hi - lo) * i / (double) width;
        }

        @Override
        public void knots(KnotList out, long base, double relTol) {
            out.add(base, at(0));
            if (steps > 1) {
                out.add(base + steps - 1, at(steps - 1));
            }
        }
    }

    /** A decay {@code shape.at(from, to, i / width)} over its first {@code steps} offsets. */
    record Curve(int steps, double from, double to, Decay shape, int width) implements Segment {
        Curve(int steps, double from, double to, Decay shape) {
            this(steps, from, to, shape, steps);
        }

        @Override
        public double at(int i) {
            return shape.at(from, to, (double) i / width);
        }

        /** {@code |d^2 lr / d step^2|} at offset {@code i}. */
        private double curvature(long i) {
            double x = (double) i / width;
            double w2 = (double) width * width;
            return switch (shape) {
                case LINEAR -> 0;
                case COSINE -> Math.abs(from - to) * Math.PI * Math.PI / 2 * Math.abs(Math.cos(Math.PI * x)) / w2;
                case EXPONENTIAL -> {
                    double l = Math.log(to / from);
                    yield shape.at(from, to, x) * l * l / w2;
                }
            };
        }

        @Override
        public void knots(KnotList out, long base, double relTol) {
            int last = steps - 1;
            out.add(base, at(0));
            if (last == 0) {
                return;
            }
            if (shape == Decay.LINEAR) {
                out.add(base + last, at(last));
                return;
            }
            if (shape == Decay.EXPONENTIAL && !(from > 0 && to > 0)) {
                // Not a smooth curve (a zero end): every step a knot, exact.
                for (int i = 1; i <= last; i++) {
                    out.add(base + i, at(i));
                }
                return;
            }
            double tol = relTol * Math.max(from, to);
            long a = 0;
            double ca = curvature(0);
            while (a < last) {
                long b = Math.min(last, a + span(tol, ca));
                double cb = curvature(b);
                while (b > a + 1) {
                    double c = Math.max(ca, cb);
                    if ((double) (b - a) * (b - a) * c <= 8 * tol) {
                        break;
                    }
                    b = Math.max(a + 1, Math.min(b - 1, a + span(tol, c)));
                    cb = curvature(b);
                }
                out.add(base + b, at((int) b));
                a = b;
                ca = cb;
            }
        }

        /** The longest {@code h} with {@code h^2 c / 8 <= tol} (at least 1). */
        private static long span(double tol, double c) {
            if (!(c > 0)) {
                return Long.MAX_VALUE / 4;
            }
            return Math.max(1, (long) Math.floor(Math.sqrt(8 * tol / c)));
        }
    }
}
