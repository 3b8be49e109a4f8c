package jobgov.linux;

import java.util.function.Supplier;

/**
 * A job's subscription to the JVM's process-events connector, shared by the cgroup1 and cgroup2 jobs: a member's
 * fork makes the child a member with the job's per-process rlimits and OOM score at once (not a tick later), and
 * every member's exit comes with its exit code or signal. Called on the job's event thread once libc is loaded.
 */
final class ConnectorFeed {
    private ConnectorFeed() {
    }

    /** The subscription (close it with the job), or null where there is no connector: the job keeps its tick alone. */
    static AutoCloseable subscribe(ProcessTracker processes, Supplier<ProcessRlimits> rlimits, Runnable wake) {
        ProcConnector c = ProcConnector.get();
        if (c == null) {
            return null;
        }
        processes.connected();
        return c.subscribe(new ProcConnector.Listener() {
            @Override
            public void forked(long parentPid, long child) {
                if (processes.forked(parentPid, child)) {
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
    }

    /** Ends a subscription from {@link #subscribe} (null: none). */
    static void close(AutoCloseable subscription) {
        if (subscription != null) {
            try {
                subscription.close();
            } catch (Exception ignored) {
                // a list removal
            }
        }
    }
}
