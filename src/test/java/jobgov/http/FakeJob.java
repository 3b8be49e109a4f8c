package jobgov.http;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in job MBean for in-process tests of the HTTP layer; the end-to-end tests use the agent's
 * real MBean in a governed JVM.
 */
public final class FakeJob implements FakeJobMXBean {
    volatile long memoryLimit = 64L << 20;
    volatile String label = "fake";
    final AtomicInteger terminations = new AtomicInteger();

    @Override
    public int getActiveProcesses() {
        return 3;
    }

    @Override
    public long getJobMemoryLimitBytes() {
        return memoryLimit;
    }

    @Override
    public void setJobMemoryLimitBytes(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("a memory limit is not negative: " + bytes); // fails only when applied
        }
        memoryLimit = bytes;
    }

    @Override
    public String getLabel() {
        return label;
    }

    @Override
    public void setLabel(String label) {
        this.label = label;
    }

    @Override
    public int getTerminations() {
        return terminations.get();
    }

    @Override
    public void terminate(int exitCode) {
        terminations.incrementAndGet();
    }
}
