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
    private volatile Kernel32Jobs api;
    private CompletionPortPump pump;
    private int attached;

    public WindowsBackend() {
        this(Kernel32Jobs::kernel32, System.getProperty("os.name", ""), System.getProperty("os.version", ""));
    }

    /** For tests: a given kernel32 (the stand-in or a fake) and the Windows version to behave as. */
    WindowsBackend(Supplier<Kernel32Jobs> loader, String osName, String osVersion) {
        this.loader = loader;
        this.osName = osName;
        this.osVersion = osVersion;
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
        if (versionBelow(6, 2)) {
            return Optional.of("needs Windows 8 / Server 2012 or later for nested job objects (os.version is " + osVersion + ")");
        }
        return Optional.empty();
    }

    @Override
    public Set<Limit> capabilities() {
        return Collections.unmodifiableSet(EnumSet.allOf(Limit.class));
    }

    @Override
    public BackendJob create(JobSpec spec, Consumer<JobEvent> events) {
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
