package jobgov.boot;

/**
 * The command-line tool as boot starts it inside jobgov's private class loader, found there as a service
 * ({@code META-INF/services/jobgov.boot.CommandEntry} in jobgov-core), as {@link AgentEntry} is.
 */
public interface CommandEntry {
    /** {@code java -jar jobgov.jar ARGS}: runs the command and exits the JVM with its status. */
    void run(String[] args);
}
