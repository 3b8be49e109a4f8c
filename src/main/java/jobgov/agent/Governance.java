package jobgov.agent;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jobgov.http.Jolokia;
import jobgov.jmx.JobMBeans;
import jobgov.job.Job;
import jobgov.policy.PolicyRuntime;

/**
 * The one composition root of a governed job, used by the agent ({@link Governor}) and by {@code jobgov run}:
 * the job's MBean, its policy and Jolokia (and whatever else serves the job, through {@link #add}) are wired
 * here and closed here, last started first, and the job last of all. Each caller keeps its own order, threads
 * and reporting (the agent starts the policy and Jolokia on daemon threads; run loads them before the command).
 */
public final class Governance implements AutoCloseable {
    private final Job job;
    private final List<AutoCloseable> parts = new ArrayList<>();
    private boolean closed;

    /** @param job the governed job, or null for an agent that runs without one (Jolokia still shows why) */
    public Governance(Job job) {
        this.job = job;
    }

    public Job job() {
        return job;
    }

    /** Registers {@code jobgov:type=Job,name=NAME}; a policy's sub-jobs get theirs through {@code policy/PolicyViews}. */
    public void publishJob() {
        add(JobMBeans.register(job));
    }

    /** Compiles and arms {@code file} on the job ({@link PolicyRuntime#load}); its Policy MBean comes with it. */
    public PolicyRuntime loadPolicy(Path file, Map<String, String> options) {
        return add(PolicyRuntime.load(file, job, options));
    }

    /** Starts Jolokia with the {@code jolokia*} options. */
    public void startJolokia(Map<String, String> options) {
        add(Jolokia.start(options));
    }

    /**
     * Adds a part to close with the job; when the governance is closed already (the JVM is shutting down
     * while a part was starting) the part is closed at once.
     */
    public <T extends AutoCloseable> T add(T part) {
        boolean late;
        synchronized (parts) {
            late = closed;
            if (!late) {
                parts.add(part);
            }
        }
        if (late) {
            quietly(part);
        }
        return part;
    }

    public boolean isClosed() {
        synchronized (parts) {
            return closed;
        }
    }

    /** Closes every part, last added first, then the job (which kills its processes when kill-on-close). Idempotent. */
    @Override
    public void close() {
        List<AutoCloseable> toClose;
        synchronized (parts) {
            if (closed) {
                return;
            }
            closed = true;
            toClose = new ArrayList<>(parts);
            parts.clear();
        }
        for (int i = toClose.size() - 1; i >= 0; i--) {
            quietly(toClose.get(i));
        }
        quietly(job);
    }

    private static void quietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception | LinkageError e) {
            System.getLogger("jobgov.agent").log(System.Logger.Level.WARNING, "jobgov: closing " + c + " failed: " + e);
        }
    }
}
