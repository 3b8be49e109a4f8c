package jobgov.http;

/** The shape of the agent's Job MXBean that these in-process tests need (the real one is tested in *IT). */
public interface FakeJobMXBean {
    int getActiveProcesses();

    long getJobMemoryLimitBytes();

    void setJobMemoryLimitBytes(long bytes);

    String getLabel();

    void setLabel(String label);

    int getTerminations();

    void terminate(int exitCode);
}
