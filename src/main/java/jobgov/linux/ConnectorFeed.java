package jobgov.linux;

import java.util.function.Supplier;

/**
 * A job's subscription to the JVM's process-events connector, shared by the cgroup1 and cgroup2 jobs: a member's
 * fork makes the child a member with the job's per-process rlimits and OOM score at once (not a tick later), and
 * every member's exit comes with its exit code or signal. Opened on the job's event thread once libc is loaded;
 * a close that races the opening still ends the subscription (else the connector would feed a closed job forever).
 */
final class ConnectorFeed implements AutoCloseable {
    private final ProcessTracker processes;
    private final Supplier<ProcessRlimits> rlimits;
    private final Runnable wake;
    private volatile AutoCloseable subscription;
    private boolean closed;

    ConnectorFeed(ProcessTracker processes, Supplier<ProcessRlimits> rlimits, Runnable wake) {
        this.processes = processes;
        this.rlimits = rlimits;
        this.wake = wake;
    }

    /** Subscribes, unless closed already or there is no connector (then the job keeps its tick alone). */
    synchronized void open() {
        ProcConnector c;
        if (closed || subscription != null || (c = ProcConnector.get()) == null) {
            return;
        }
        subscription = c.subscribe(new ProcConnector.Listener() {
            @Override
            public void forked(long parentPid, long child, long at) {
                if (processes.forked(parentPid, child, at)) {
                    HostProcess.newcomer(child, rlimits.get());
                    wake.run();
                }
            }

            @Override
            public void exited(long pid, int status) {
                if (processes.exited(pid, status)) {
                    wake.run();
                }
            }

            @Override
            public void overrun() {
                processes.overrun();
                wake.run();
            }
        });
        // only now: a start that sees the tracker connected waits for its fork message, which this subscription hears
        processes.connected();
    }

    /** Whether the connector feeds the job now. */
    boolean subscribed() {
        return subscription != null;
    }

    /**
     * Where the job's process events come from: the connector (while subscribed) and the tick of {@code tickMillis},
     * which slows to {@code quietMillis} (0: never) while the connector feeds the job and no limit needs it.
     */
    String source(long tickMillis, long quietMillis) {
        return subscription != null
                ? "netlink proc connector, cgroup.procs every " + tickMillis + " ms" + (quietMillis > 0 ? " (" + quietMillis + " ms when quiet)" : "")
                : "cgroup.procs every " + tickMillis + " ms";
    }

    @Override
    public synchronized void close() {
        closed = true;
        AutoCloseable s = subscription;
        subscription = null;
        if (s != null) {
            try {
                s.close();
            } catch (Exception ignored) {
                // a list removal
            }
        }
    }
}
