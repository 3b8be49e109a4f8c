package jobgov.agent;

/**
 * {@code jobgov:type=Agent}: what the agent did in this JVM, including what it could not do. The place
 * to look when the host runs degraded or ungoverned (it is registered even when no job could be made).
 */
public interface AgentMXBean {
    /** governed, degraded (a job exists but something asked for failed) or ungoverned (no job). */
    String getStatus();

    String[] getProblems();

    String getJobName();

    String getBackend();

    String getOptions();

    /** premain (-javaagent) or agentmain (attached to a running JVM). */
    String getEntry();

    /** Pids of the JVM's existing children that could not be moved into the job on attach. */
    long[] getUnassignedProcessIds();

    String getPolicy();

    /** none, loading, live or failed. */
    String getPolicyState();

    /** none, starting, live or failed. */
    String getJolokiaState();
}
