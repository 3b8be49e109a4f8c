package jobgov.boot;

import java.lang.instrument.Instrumentation;

/**
 * The agent as boot starts it inside jobgov's private class loader. The boot classes cannot link against that
 * loader's classes, so the implementation is found there as a service ({@code META-INF/services/jobgov.boot.AgentEntry}
 * in jobgov-core): a typed contract checked by the compiler, no class name spelled in a string.
 */
public interface AgentEntry {
    /** {@code -javaagent:jobgov.jar=OPTIONS}, before the host's main. */
    void premain(String options, Instrumentation inst);

    /** Loaded into a running JVM ({@code jobgov attach}). */
    void agentmain(String options, Instrumentation inst);
}
