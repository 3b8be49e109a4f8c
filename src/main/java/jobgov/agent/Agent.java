package jobgov.agent;

import java.lang.instrument.Instrumentation;
import jobgov.boot.AgentEntry;

/**
 * The Java agent's entry points, called by {@code jobgov.boot.Boot} inside jobgov's private class loader (found
 * there as the {@link AgentEntry} service):
 * {@code -javaagent:jobgov.jar[=POLICY][,key=value...]} (premain) and {@code jobgov attach PID} (agentmain).
 * See {@link AgentOptions} for the options and {@link Governor} for what happens.
 */
public final class Agent implements AgentEntry {

    /** Before the host's main: the JVM joins its job here; the policy and Jolokia start on daemon threads. */
    @Override
    public void premain(String options, Instrumentation inst) {
        start(options, false);
    }

    /** Loaded into a running JVM: as premain, and the JVM's existing children join the job too. */
    @Override
    public void agentmain(String options, Instrumentation inst) {
        start(options, true);
    }

    private static void start(String options, boolean attached) {
        try {
            new Governor(options, attached).start();
        } catch (RuntimeException | LinkageError e) {
            // Governor reports its own failures; this is the last net so the host never sees ours.
            System.getLogger("jobgov.agent").log(System.Logger.Level.ERROR, "jobgov: agent failed, the host runs ungoverned: " + e, e);
        }
    }
}
