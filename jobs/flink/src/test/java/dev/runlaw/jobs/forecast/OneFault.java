package dev.runlaw.jobs.forecast;

/** Fails once, the next time a run reaches the armed point. */
final class OneFault implements FaultHook {
    private static final long serialVersionUID = 1L;
    private Point armed;
    private int fired;

    /** Fail the next time {@code point} is reached. */
    void arm(Point point) {
        armed = point;
    }

    /** Failures injected so far. */
    int fired() {
        return fired;
    }

    @Override
    public void at(Point point, String runId) {
        if (point == armed) {
            armed = null;
            fired++;
            throw new IllegalStateException("injected failure at " + point + " of " + runId);
        }
    }
}
