package jobgov.job;

import java.time.Instant;
import java.util.function.Consumer;

/**
 * How a backend's event thread survives and reports its own failures: each failed wait or check is counted;
 * the first of a run of failures (and every 100th after it) is logged and sent as
 * {@link JobEvent.EventThreadFailed}, so the Job MBean, its JMX notifications and a policy see it. Everything
 * here is guarded: with the heap exhausted even the log line or the event may not be built, and that must not
 * end the thread either (the count still says it).
 */
public final class EventThreadFailures {
    private static final int REPORT_EVERY = 100;

    private final String thread;
    private final Consumer<JobEvent> events;
    private final System.Logger log;
    private volatile long failures;
    private long inRun;

    public EventThreadFailures(String thread, Consumer<JobEvent> events, System.Logger log) {
        this.thread = thread;
        this.events = events;
        this.log = log;
    }

    /** On the event thread: a wait or check failed with {@code e}; the caller goes on after a tick. */
    public void failed(Throwable e) {
        failures++;
        if (inRun++ % REPORT_EVERY != 0) {
            return;
        }
        try {
            log.log(System.Logger.Level.WARNING, thread + ": event check failed (" + e + "); the event thread goes on and "
                    + "re-reads every file (" + failures + " failures so far)", e);
        } catch (Throwable ignored) {
            // see the class comment
        }
        try {
            events.accept(new JobEvent.EventThreadFailed(Instant.now(), thread, String.valueOf(e), failures));
        } catch (Throwable ignored) {
            // a listener that fails here is reported by the job; an OutOfMemoryError is survived
        }
    }

    /** On the event thread: a check succeeded, ending a run of failures. */
    public void succeeded() {
        inRun = 0;
    }

    public long failures() {
        return failures;
    }
}
