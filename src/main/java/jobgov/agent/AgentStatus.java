package jobgov.agent;

import java.util.Properties;

/**
 * The contract between a governed JVM and the tools that look at it from outside ({@code jobgov attach},
 * {@code jobgov list}): system properties of the governed JVM, read through the attach API. The agent and
 * {@code jobgov run} write them; nothing else spells their names.
 *
 * @param job      the job governing the JVM ({@value #JOB}), null when none
 * @param status   governed, degraded or ungoverned ({@value #STATUS}); null until the agent has finished its start
 * @param problems what went wrong, joined with "; " ({@value #ERROR}); null when nothing did
 */
public record AgentStatus(String job, String status, String problems) {
    /** The job's name; also "this JVM is governed already" for a second agent. */
    public static final String JOB = "jobgov.job";
    /** The agent's options as given. */
    public static final String OPTIONS = "jobgov.agent.options";
    public static final String STATUS = "jobgov.agent.status";
    public static final String ERROR = "jobgov.agent.error";

    /** The status a JVM's properties carry. */
    public static AgentStatus of(Properties p) {
        return new AgentStatus(p.getProperty(JOB), p.getProperty(STATUS), p.getProperty(ERROR));
    }

    /** The agent's start is over (whatever its outcome). */
    public boolean reported() {
        return status != null;
    }
}
