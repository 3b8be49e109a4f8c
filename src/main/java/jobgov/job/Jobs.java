package jobgov.job;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * Chooses the backend for this machine: the usable one with the highest priority, or the one named by
 * {@code -Djobgov.backend=NAME} / {@code JOBGOV_BACKEND=NAME}. The degraded backend is always usable.
 */
public final class Jobs {
    private static final System.Logger LOG = System.getLogger("jobgov.job");
    private static volatile JobBackend chosen;
    /** The degraded choice's warning, logged by the first {@link #backend()} call. */
    private static volatile String warning;

    private Jobs() {
    }

    public static List<JobBackend> backends() {
        List<JobBackend> all = new ArrayList<>();
        ServiceLoader.load(JobBackend.class, Jobs.class.getClassLoader()).forEach(all::add);
        all.sort(Comparator.comparingInt(JobBackend::priority).reversed());
        return all;
    }

    public static JobBackend backend() {
        JobBackend b = prepare();
        String w = warning;
        if (w != null) {
            synchronized (Jobs.class) {
                if (warning != null) {
                    LOG.log(System.Logger.Level.WARNING, warning);
                    warning = null;
                }
            }
        }
        return b;
    }

    /**
     * Chooses the backend as {@link #backend()} does, silently: the agent calls it on a helper thread while it parses
     * its options, so that a start refused for a bad option still prints one line only. The warning of a degraded
     * choice waits for the first {@link #backend()} call.
     */
    public static JobBackend prepare() {
        JobBackend b = chosen;
        if (b == null) {
            synchronized (Jobs.class) {
                if (chosen == null) {
                    chosen = choose();
                }
                b = chosen;
            }
        }
        return b;
    }

    public static Job create(JobSpec spec) {
        return Job.create(backend(), spec);
    }

    private static JobBackend choose() {
        String wanted = Optional.ofNullable(System.getProperty("jobgov.backend")).orElse(System.getenv("JOBGOV_BACKEND"));
        List<JobBackend> all = backends();
        StringBuilder why = new StringBuilder();
        for (JobBackend b : all) {
            if (wanted != null && !wanted.isBlank() && !b.name().equals(wanted)) {
                continue;
            }
            if (!b.forThisOperatingSystem() && (wanted == null || wanted.isBlank())) {
                continue;
            }
            Optional<String> reason = b.unavailableReason();
            if (reason.isEmpty()) {
                if (b.name().equals("degraded") && why.length() > 0) {
                    warning = "jobgov runs DEGRADED (no kernel enforcement, limits refused):" + why;
                }
                return b;
            }
            why.append(' ').append(b.name()).append(": ").append(reason.get()).append(';');
            if (wanted != null && !wanted.isBlank()) {
                throw new JobException("backend '" + wanted + "' cannot be used here: " + reason.get());
            }
        }
        throw new JobException(wanted != null && !wanted.isBlank()
                ? "no backend named '" + wanted + "' (known: " + all.stream().map(JobBackend::name).toList() + ")"
                : "no usable job backend:" + why);
    }
}
