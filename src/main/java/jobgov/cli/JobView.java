package jobgov.cli;

import java.io.IOException;
import java.util.List;

/**
 * Where {@code jobgov status} reads jobs from: a JVM's local JMX ({@link JmxJobView}) or, say, a
 * Jolokia URL. One connection, read as often as {@code --watch} asks.
 */
interface JobView extends AutoCloseable {
    /** Where the data comes from, for the report's header (e.g. "pid 4242, local JMX"). */
    String source();

    /** Whether the jobs' pids are this machine's (then the report shows their command lines). */
    default boolean local() {
        return true;
    }

    /** Every job this source exposes, read now. */
    List<JobSnapshot> jobs() throws IOException;

    /** The MBean's setLimits(spec): all or nothing; a refusal is an IOException with the backend's words. */
    void setLimits(String job, String spec) throws IOException;

    /** The MBean's terminate(exitCode): every process of the job is killed. */
    void terminate(String job, int exitCode) throws IOException;

    @Override
    void close();
}
