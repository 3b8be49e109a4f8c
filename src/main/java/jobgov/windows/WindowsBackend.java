package jobgov.windows;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import jobgov.job.BackendJob;
import jobgov.job.JobBackend;
import jobgov.job.JobEvent;
import jobgov.job.JobSpec;
import jobgov.job.Limit;

/**
 * The {@code windows} backend: Win32 job objects through {@link Kernel32Jobs}, one completion port and
 * one event thread for all of its jobs ({@link CompletionPortPump}), nested jobs for
 * {@link BackendJob#createChild}. Enforces every {@link Limit} of the model, the Windows-only ones (UI
 * restrictions, breakaway, die-on-unhandled-exception, net rate/DSCP, CPU weight and min/max, priority
 * and scheduling class, working set, notification limits, IO rate) included; what a given Windows
 * version or edition rejects is refused when applied, naming the limit.
 *
 * <p>kernel32 is loaded on the first job, never by {@link #unavailableReason()}: on Linux this class is
 * inert.
 */
public final class WindowsBackend implements JobBackend {
    private final Supplier<Kernel32Jobs> loader;
    private final String osName;
    private final String osVersion;
    private final String osArch;
    private volatile Kernel32Jobs api;
    private volatile int[] processorGroups;
    private volatile Boolean jvmInForeignJob;
    private CompletionPortPump pump;
    private int attached;

    public WindowsBackend() {
        this(Kernel32Jobs::kernel32, System.getProperty("os.name", ""), System.getProperty("os.version", ""),
                System.getProperty("os.arch", ""));
    }

    /** For tests: a given kernel32 (the stand-in or a fake) and the Windows version to behave as, on amd64. */
    WindowsBackend(Supplier<Kernel32Jobs> loader, String osName, String osVersion) {
        this(loader, osName, osVersion, "amd64");
    }

    WindowsBackend(Supplier<Kernel32Jobs> loader, String osName, String osVersion, String osArch) {
        this.loader = loader;
        this.osName = osName;
        this.osVersion = osVersion;
        this.osArch = osArch;
    }

    @Override
    public String name() {
        return "windows";
    }

    @Override
    public int priority() {
        return 100;
    }

    /** Decided by os.name alone: kernel32 stays unloaded elsewhere. */
    @Override
    public boolean forThisOperatingSystem() {
        return osName.startsWith("Windows");
    }

    @Override
    public Optional<String> unavailableReason() {
        if (!osName.startsWith("Windows")) {
            return Optional.of("not Windows (os.name is " + osName + ")");
        }
        if (!osArch.equals("amd64") && !osArch.equals("x86_64") && !osArch.equals("aarch64")) {
            // The structures are declared for 64-bit Windows (pointer-sized fields, Win64 layout).
            return Optional.of("needs a 64-bit JVM (os.arch is " + osArch + "; the job structures are mapped for Win64)");
        }
        if (versionBelow(6, 2)) {
            return Optional.of("needs Windows 8 / Server 2012 or later for nested job objects (os.version is " + osVersion + ")");
        }
        return Optional.empty();
    }

    /**
     * Every limit, less what this Windows lacks: CPU min/max needs Windows 10, net and IO rate control
     * Windows 10 1607 (build 14393); UI restrictions are left out when this JVM already runs inside a job
     * (every job it makes is then nested, and Windows refuses UI restrictions on a nested job).
     */
    @Override
    public Set<Limit> capabilities() {
        EnumSet<Limit> all = EnumSet.allOf(Limit.class);
        if (!forThisOperatingSystem()) {
            return Collections.unmodifiableSet(all); // inert here: kernel32 is never loaded off Windows
        }
        for (Limit l : Limit.values()) {
            if (refusal(l) != null) {
                all.remove(l);
            }
        }
        return Collections.unmodifiableSet(all);
    }

    @Override
    public String refusalReason(Limit limit) {
        String r = forThisOperatingSystem() ? refusal(limit) : null;
        return r != null ? r : "not supported on this platform";
    }

    private String refusal(Limit l) {
        return switch (l) {
            case CPU_MIN_MAX -> versionBelow(10, 0) ? "CPU min/max rate needs Windows 10 / Server 2016 (os.version is " + osVersion + ")" : null;
            case NET_RATE, IO_RATE -> versionBelow(10, 0) || build() < 14393
                    ? l.key() + " needs Windows 10 1607 / Server 2016 (build 14393; this is " + osVersion + " build " + build() + ")" : null;
            case UI_RESTRICTIONS -> jvmInForeignJob() ? "this JVM already runs inside a job object, so jobgov's jobs are nested, and"
                    + " Windows refuses UI restrictions on a nested job" : null;
            default -> null;
        };
    }

    private int build() {
        return api().windowsBuild();
    }

    /** Whether this JVM was in a job object none of ours (asked once: IsProcessInJob with a null job, before our first job). */
    boolean jvmInForeignJob() {
        Boolean b = jvmInForeignJob;
        if (b == null) {
            synchronized (this) {
                if (jvmInForeignJob == null) {
                    com.sun.jna.ptr.IntByReference in = new com.sun.jna.ptr.IntByReference();
                    Kernel32Jobs k = api();
                    jvmInForeignJob = k.IsProcessInJob(k.GetCurrentProcess(), null, in) && in.getValue() != 0;
                }
                b = jvmInForeignJob;
            }
        }
        return b;
    }

    /** Active processors per processor group, asked once; one group of 64 when the call fails. */
    int[] processorGroups() {
        int[] g = processorGroups;
        if (g == null) {
            Kernel32Jobs k = api();
            int n = k.GetActiveProcessorGroupCount();
            g = new int[Math.max(1, n)];
            if (n <= 1) {
                g = LimitEncoding.ONE_GROUP;
            } else {
                for (short i = 0; i < n; i++) {
                    g[i] = k.GetActiveProcessorCount(i);
                }
            }
            processorGroups = g;
        }
        return g;
    }

    @Override
    public BackendJob create(JobSpec spec, Consumer<JobEvent> events) {
        jvmInForeignJob(); // asked before this JVM could be in a job of ours
        return WindowsJob.create(this, spec, events, null);
    }

    /** Opens an existing job object by its full name, e.g. {@code Local\jobgov-web}. */
    public BackendJob open(String objectName, Consumer<JobEvent> events) {
        return WindowsJob.open(this, objectName, events);
    }

    /** PROC_THREAD_ATTRIBUTE_JOB_LIST exists from Windows 10; before, CREATE_SUSPENDED + assign + resume. */
    boolean jobListAttribute() {
        return !versionBelow(10, 0);
    }

    Kernel32Jobs api() {
        Kernel32Jobs a = api;
        if (a == null) {
            synchronized (this) {
                if (api == null) {
                    api = loader.get();
                }
                a = api;
            }
        }
        return a;
    }

    /** The pump, started for the first job. */
    synchronized CompletionPortPump attach() {
        if (pump == null) {
            pump = CompletionPortPump.open(api(), "jobgov-windows-events");
        }
        attached++;
        return pump;
    }

    synchronized CompletionPortPump pump() {
        return pump;
    }

    /** A job let go of the pump; the last one stops it and closes the port. */
    synchronized void detach() {
        if (--attached == 0 && pump != null) {
            pump.close();
            pump = null;
        }
    }

    private boolean versionBelow(int major, int minor) {
        String[] p = osVersion.split("[.\\s]");
        try {
            int ma = Integer.parseInt(p[0]);
            int mi = p.length > 1 ? Integer.parseInt(p[1]) : 0;
            return ma < major || (ma == major && mi < minor);
        } catch (NumberFormatException e) {
            return true;
        }
    }
}
