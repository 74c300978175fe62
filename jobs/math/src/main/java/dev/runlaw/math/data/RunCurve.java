package dev.runlaw.math.data;

import java.util.Arrays;

/**
 * One training run in the project's run format: the learning rate at every optimizer step and the loss where it
 * was measured.
 *
 * <p>Steps are contiguous: {@code lr[i]} is the LR at step {@code firstStep + i}. {@code loss[i]} is
 * {@link Double#NaN} where no loss was measured. Instances are immutable; the arrays are copied on the way in and
 * on the way out.
 */
public final class RunCurve {
    private final String name;
    private final long firstStep;
    private final double[] lr;
    private final double[] loss;
    private final int measured;

    /**
     * @param name      a label for messages and reports (usually the file name without extension)
     * @param firstStep step of {@code lr[0]}, 0 or 1 in the run format
     * @param lr        LR per step, finite and non-negative
     * @param loss      loss per step, NaN where not measured, else finite and positive
     */
    public RunCurve(String name, long firstStep, double[] lr, double[] loss) {
        if (lr.length != loss.length) {
            throw new IllegalArgumentException("lr and loss differ in length: " + lr.length + " vs " + loss.length);
        }
        if (firstStep < 0) {
            throw new IllegalArgumentException("firstStep must be >= 0, got " + firstStep);
        }
        int n = 0;
        for (int i = 0; i < lr.length; i++) {
            if (!Double.isFinite(lr[i]) || lr[i] < 0) {
                throw new IllegalArgumentException(name + ": lr at step " + (firstStep + i) + " is " + lr[i]);
            }
            if (!Double.isNaN(loss[i])) {
                if (!Double.isFinite(loss[i]) || loss[i] <= 0) {
                    throw new IllegalArgumentException(name + ": loss at step " + (firstStep + i) + " is " + loss[i]);
                }
                n++;
            }
        }
        this.name = name;
        this.firstStep = firstStep;
        this.lr = lr.clone();
        this.loss = loss.clone();
        this.measured = n;
    }

    public String name() {
        return name;
    }

    public long firstStep() {
        return firstStep;
    }

    /** Last step present (the planned last step of the run). */
    public long lastStep() {
        return firstStep + lr.length - 1;
    }

    /** Number of steps (rows). */
    public int length() {
        return lr.length;
    }

    /** Number of steps with a measured loss. */
    public int measuredCount() {
        return measured;
    }

    public double lrAt(long step) {
        return lr[index(step)];
    }

    /** Loss at a step, NaN when not measured. */
    public double lossAt(long step) {
        return loss[index(step)];
    }

    public double[] lr() {
        return lr.clone();
    }

    public double[] loss() {
        return loss.clone();
    }

    /** Steps with a measured loss, ascending. */
    public long[] measuredSteps() {
        long[] out = new long[measured];
        int k = 0;
        for (int i = 0; i < loss.length; i++) {
            if (!Double.isNaN(loss[i])) {
                out[k++] = firstStep + i;
            }
        }
        return out;
    }

    /** The same run with loss hidden after {@code lastObservedStep} (the LR schedule stays whole). */
    public RunCurve observedUpTo(long lastObservedStep) {
        double[] l = loss.clone();
        for (int i = 0; i < l.length; i++) {
            if (firstStep + i > lastObservedStep) {
                l[i] = Double.NaN;
            }
        }
        return new RunCurve(name, firstStep, lr, l);
    }

    private int index(long step) {
        long i = step - firstStep;
        if (i < 0 || i >= lr.length) {
            throw new IndexOutOfBoundsException(name + ": step " + step + " outside " + firstStep + ".." + lastStep());
        }
        return (int) i;
    }

    @Override
    public String toString() {
        return "RunCurve[" + name + ", steps " + firstStep + ".." + lastStep() + ", " + measured + " losses]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RunCurve r && r.name.equals(name) && r.firstStep == firstStep
                && Arrays.equals(r.lr, lr) && Arrays.equals(r.loss, loss);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(lr);
    }
}
