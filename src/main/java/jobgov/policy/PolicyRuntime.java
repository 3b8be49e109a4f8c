package jobgov.policy;

import java.nio.file.Path;
import java.util.Map;
import jobgov.job.Job;

/**
 * A loaded Groovy policy governing a job. STUB: the policy engine replaces this class; the signature is
 * the contract the agent and the CLI call.
 */
public final class PolicyRuntime implements AutoCloseable {
    private PolicyRuntime() {
    }

    /**
     * Compiles {@code file}, applies its {@code job {}} limits all-or-nothing, arms its handlers and timers,
     * registers {@code jobgov:type=Policy,name=NAME}. Options: {@code name}, {@code watch}, {@code budget}.
     * Throws {@link IllegalArgumentException} with file:line:column on a compile error.
     */
    public static PolicyRuntime load(Path file, Job job, Map<String, String> options) {
        throw new UnsupportedOperationException("the policy engine is not built yet");
    }

    @Override
    public void close() {
    }
}
