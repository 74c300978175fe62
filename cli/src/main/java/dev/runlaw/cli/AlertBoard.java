package dev.runlaw.cli;

import dev.runlaw.producers.AdviceSubscriber;
import dev.runlaw.schema.Alert;
import dev.runlaw.schema.AlertSeverity;
import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The demo's live view of the alert job: subscribes to {@code runlaw.alerts} as a trainer would
 * ({@link AdviceSubscriber}) and prints each WARNING or CRITICAL alert as it is raised and as it resolves (INFO
 * events are counted, not printed).
 */
final class AlertBoard implements AutoCloseable {
    private final AdviceSubscriber subscriber;
    private final AutoCloseable listener;
    private final AtomicLong printed = new AtomicLong();

    private AlertBoard(AdviceSubscriber subscriber, PrintStream out) {
        this.subscriber = subscriber;
        this.listener = subscriber.addListener(new AdviceSubscriber.Listener() {
            @Override
            public void onAlert(AdviceSubscriber.AlertEvent e) {
                if (e.alert().getSeverity() != AlertSeverity.INFO) {
                    out.println("  alert    " + line(e.alert()));
                    printed.incrementAndGet();
                }
            }
        });
    }

    /** Starts following the alerts topic of {@code stack}. */
    static AlertBoard start(LocalStack stack, PrintStream out) {
        return new AlertBoard(AdviceSubscriber.builder(stack.kafka().bootstrapServers()).start(), out);
    }

    /** Alert lines printed so far. */
    long printed() {
        return printed.get();
    }

    /** One alert event on one line: run, kind, severity, layer, steps, values and the detector's message. */
    static String line(Alert a) {
        String layer = a.getLayer() >= 0 ? " layer " + a.getLayer() : "";
        String steps = a.getLastStep() == null
                ? String.format(Locale.ROOT, "from step %d (raised at %d)", a.getFirstStep(), a.getDetectedStep())
                : String.format(Locale.ROOT, "steps %d..%d, resolved", a.getFirstStep(), a.getLastStep());
        return String.format(Locale.ROOT, "%-24s %-8s %-15s %-8s%s %s: %s", a.getRunId(), a.getState(), a.getKind(),
                a.getSeverity(), layer, steps, a.getMessage());
    }

    @Override
    public void close() throws Exception {
        listener.close();
        subscriber.close();
    }
}
