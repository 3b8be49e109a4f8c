package jobgov.windows;

import static jobgov.windows.JobConstants.*;

import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.WString;
import com.sun.jna.platform.win32.WinNT.HANDLE;
import com.sun.jna.ptr.IntByReference;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import jobgov.job.BackendJob;
import jobgov.job.JobCounters;
import jobgov.job.JobEvent;
import jobgov.job.JobException;
import jobgov.job.JobLimits;
import jobgov.job.JobSpec;
import jobgov.job.Limit;
import jobgov.job.LimitRefusedException;
import jobgov.windows.JobInformation.JOBOBJECT_ASSOCIATE_COMPLETION_PORT;
import jobgov.windows.JobInformation.JOBOBJECT_BASIC_AND_IO_ACCOUNTING_INFORMATION;
import jobgov.windows.JobInformation.JOBOBJECT_BASIC_PROCESS_ID_LIST;
import jobgov.windows.JobInformation.JOBOBJECT_EXTENDED_LIMIT_INFORMATION;
import jobgov.windows.JobInformation.JOBOBJECT_LIMIT_VIOLATION_INFORMATION;

/**
 * One Win32 job object: a handle, its completion key on the backend's port, its parent (nested jobs),
 * and the limits last applied. Thread-safe for the calls {@link jobgov.job.Job} makes.
 */
final class WindowsJob implements BackendJob, JobMessages.JobFacts {
    private static final System.Logger LOG = System.getLogger("jobgov.windows");
    /** Process-id list: first capacity, and how many times ERROR_MORE_DATA may make it grow. */
    static final int PID_LIST_CAPACITY = 64;
    private static final int PID_LIST_TRIES = 16;

    private final WindowsBackend backend;
    private final Kernel32Jobs api;
    private final HANDLE job;
    private final String objectName;
    private final WindowsJob parent;
    private final Consumer<JobEvent> events;
    private final List<WindowsJob> children = Collections.synchronizedList(new ArrayList<>());
    private volatile long key = -1;
    private volatile JobLimits limits = JobLimits.NONE;
    private volatile boolean closed;

    private WindowsJob(WindowsBackend backend, HANDLE job, String objectName, WindowsJob parent, Consumer<JobEvent> events) {
        this.backend = backend;
        this.api = backend.api();
        this.job = job;
        this.objectName = objectName;
        this.parent = parent;
        this.events = events;
    }

    /** Creates a named job object, associates it with the port while it is still empty, then applies the limits. */
    static WindowsJob create(WindowsBackend backend, JobSpec spec, Consumer<JobEvent> events, WindowsJob parent) {
        String name = objectName(spec, parent);
        Kernel32Jobs api = backend.api();
        HANDLE h = api.CreateJobObjectW(null, new WString(name));
        int err = api.lastError();
        if (isNull(h)) {
            throw new JobException("CreateJobObject(" + name + ") failed: " + Win32Error.describe(err));
        }
        if (err == ERROR_ALREADY_EXISTS) {
            // CreateJobObject opened someone else's job: never take it over silently.
            api.CloseHandle(h);
            throw new JobException("a job object named " + name + " already exists; choose another job name or open it by name");
        }
        WindowsJob j = new WindowsJob(backend, h, name, parent, events);
        try {
            j.associate();
            j.apply(spec.limits(), JobLimits.NONE);
        } catch (RuntimeException e) {
            j.abandon();
            throw e;
        }
        if (parent != null) {
            parent.children.add(j);
        }
        return j;
    }

    /** Opens an existing named job (e.g. {@code Global\jobgov-web}); its limits are read from the kernel. */
    static WindowsJob open(WindowsBackend backend, String objectName, Consumer<JobEvent> events) {
        Kernel32Jobs api = backend.api();
        HANDLE h = api.OpenJobObjectW(JOB_OBJECT_ALL_ACCESS, false, new WString(objectName));
        if (isNull(h)) {
            throw new JobException("OpenJobObject(" + objectName + ") failed: " + Win32Error.describe(api.lastError()));
        }
        WindowsJob j = new WindowsJob(backend, h, objectName, null, events);
        try {
            j.associate();
        } catch (JobException e) {
            // A job has one completion port; its creator's keeps the messages.
            LOG.log(System.Logger.Level.WARNING, objectName + ": no events (" + e.getMessage() + ")");
        }
        j.limits = LimitEncoding.decode(new LimitEncoding.Encoded(
                j.query(JobObjectExtendedLimitInformation, new JOBOBJECT_EXTENDED_LIMIT_INFORMATION()),
                null, null, null, null, null, null));
        return j;
    }

    static String objectName(JobSpec spec, WindowsJob parent) {
        if (parent != null) {
            return parent.objectName + "." + spec.name();
        }
        String ns = spec.parent() == null ? "Local" : spec.parent();
        if (!ns.equals("Local") && !ns.equals("Global")) {
            throw new JobException("on Windows a job's parent is its object namespace, Local or Global; got '" + spec.parent() + "'");
        }
        return ns + "\\jobgov-" + spec.name();
    }

    private void associate() {
        CompletionPortPump pump = backend.attach();
        long k = pump.register(this::onMessage);
        var port = new JOBOBJECT_ASSOCIATE_COMPLETION_PORT();
        port.CompletionKey = new Pointer(k);
        port.CompletionPort = pump.port();
        port.write();
        if (!api.SetInformationJobObject(job, JobObjectAssociateCompletionPortInformation, port.getPointer(), port.size())) {
            int err = api.lastError();
            pump.unregister(k);
            backend.detach();
            throw new JobException("associating " + objectName + " with the completion port failed: " + Win32Error.describe(err));
        }
        key = k;
    }

    private void onMessage(int message, long pid) {
        if (closed) {
            return;
        }
        for (JobEvent e : JobMessages.decode(message, pid, Instant.now(), this)) {
            events.accept(e);
        }
    }

    HANDLE handle() {
        return job;
    }

    String objectName() {
        return objectName;
    }

    /** This job and its ancestors, outermost first: the order a process must join them in. */
    List<WindowsJob> chain() {
        List<WindowsJob> c = new ArrayList<>();
        for (WindowsJob j = this; j != null; j = j.parent) {
            c.add(0, j);
        }
        return c;
    }

    @Override
    public void assign(long pid) {
        open();
        boolean self = pid == api.GetCurrentProcessId();
        HANDLE p = self ? api.GetCurrentProcess()
                : api.OpenProcess(PROCESS_SET_QUOTA | PROCESS_TERMINATE | PROCESS_QUERY_LIMITED_INFORMATION | SYNCHRONIZE, false, (int) pid);
        if (isNull(p)) {
            throw new JobException("cannot open process " + pid + ": " + Win32Error.describe(api.lastError()));
        }
        try {
            for (WindowsJob j : chain()) {
                if (j.contains(p)) {
                    continue;
                }
                if (!api.AssignProcessToJobObject(j.job, p)) {
                    throw new JobException("AssignProcessToJobObject(" + j.objectName + ", pid " + pid + ") failed: "
                            + Win32Error.describe(api.lastError()));
                }
            }
        } finally {
            if (!self) {
                api.CloseHandle(p);
            }
        }
    }

    boolean contains(HANDLE process) {
        IntByReference in = new IntByReference();
        return api.IsProcessInJob(process, job, in) && in.getValue() != 0;
    }

    boolean containsCurrentProcess() {
        return contains(api.GetCurrentProcess());
    }

    @Override
    public Process start(ProcessBuilder command) {
        open();
        return JobProcessStart.start(api, chain(), command, backend.jobListAttribute());
    }

    /** JobObjectBasicProcessIdList, growing the buffer while the kernel answers ERROR_MORE_DATA. */
    @Override
    public List<Long> pids() {
        open();
        int capacity = PID_LIST_CAPACITY;
        for (int attempt = 0; attempt < PID_LIST_TRIES; attempt++) {
            var list = new JOBOBJECT_BASIC_PROCESS_ID_LIST(capacity);
            list.write();
            boolean ok = api.QueryInformationJobObject(job, JobObjectBasicProcessIdList, list.getPointer(), list.size(), null);
            int err = ok ? ERROR_SUCCESS : api.lastError();
            list.read();
            if (ok) {
                List<Long> pids = new ArrayList<>(list.NumberOfProcessIdsInList);
                for (int i = 0; i < Math.min(list.NumberOfProcessIdsInList, list.capacity()); i++) {
                    pids.add(list.ProcessIdList[i].longValue());
                }
                return pids;
            }
            if (err != ERROR_MORE_DATA) {
                throw new JobException("QueryInformationJobObject(" + objectName + ", process id list) failed: " + Win32Error.describe(err));
            }
            // Processes may join between two calls: grow beyond what the kernel last counted.
            capacity = Math.max(capacity * 2, list.NumberOfAssignedProcesses + 16);
        }
        throw new JobException("the process id list of " + objectName + " kept growing (ERROR_MORE_DATA " + PID_LIST_TRIES + " times)");
    }

    /** Writes every information class of {@code next}; on a failed write restores {@code current} and throws. */
    @Override
    public synchronized void apply(JobLimits next, JobLimits current) {
        LimitEncoding.Encoded encoded = LimitEncoding.encode(next, current);
        try {
            write(encoded, next);
        } catch (RuntimeException e) {
            try {
                write(LimitEncoding.encode(current, next), current);
            } catch (RuntimeException restore) {
                e.addSuppressed(restore);
            }
            throw e;
        }
        limits = next;
    }

    private void write(LimitEncoding.Encoded e, JobLimits l) {
        set(JobObjectExtendedLimitInformation, e.extended(), "extended limits", l, Limit.KILL_ON_CLOSE,
                Set.of(Limit.JOB_MEMORY, Limit.PROCESS_MEMORY, Limit.WORKING_SET, Limit.ACTIVE_PROCESSES, Limit.AFFINITY,
                        Limit.PRIORITY_CLASS, Limit.SCHEDULING_CLASS, Limit.PROCESS_TIME, Limit.JOB_TIME,
                        Limit.DIE_ON_UNHANDLED_EXCEPTION, Limit.BREAKAWAY));
        set(JobObjectEndOfJobTimeInformation, e.endOfJobTime(), "end-of-job-time action", l, Limit.JOB_TIME, Set.of());
        set(JobObjectBasicUIRestrictions, e.ui(), "UI restrictions", l, Limit.UI_RESTRICTIONS, Set.of());
        set(JobObjectCpuRateControlInformation, e.cpu(), "CPU rate control", l, Limit.CPU_RATE,
                Set.of(Limit.CPU_WEIGHT, Limit.CPU_MIN_MAX));
        set(JobObjectNetRateControlInformation, e.net(), "net rate control", l, Limit.NET_RATE, Set.of());
        if (e.io() != null) {
            e.io().write();
            int ok;
            try {
                ok = api.SetIoRateControlInformationJobObject(job, e.io().getPointer());
            } catch (UnsatisfiedLinkError missing) {
                // Windows before 10 1607 has no such export: refuse, do not break the caller.
                throw new LimitRefusedException(Limit.IO_RATE, "windows",
                        "SetIoRateControlInformationJobObject is not in this Windows' kernel32 (needs Windows 10 1607 / Server 2016)");
            }
            if (ok == 0) {
                throw refused(Limit.IO_RATE, "SetIoRateControlInformationJobObject", api.lastError());
            }
        }
        set(JobObjectNotificationLimitInformation, e.notification(), "notification limits", l, Limit.MEMORY_NOTIFICATION,
                Set.of(Limit.JOB_TIME_NOTIFICATION, Limit.IO_NOTIFICATION));
    }

    private void set(int infoClass, Structure s, String what, JobLimits l, Limit fallback, Set<Limit> others) {
        if (s == null) {
            return;
        }
        s.write();
        if (!api.SetInformationJobObject(job, infoClass, s.getPointer(), s.size())) {
            int err = api.lastError();
            Limit named = fallback;
            Set<Limit> requested = l.requested();
            if (!requested.contains(fallback)) {
                for (Limit o : others) {
                    if (requested.contains(o)) {
                        named = o;
                        break;
                    }
                }
            }
            throw refused(named, "SetInformationJobObject(" + what + ")", err);
        }
    }

    private LimitRefusedException refused(Limit limit, String call, int err) {
        String hint = switch (err) {
            case ERROR_PRIVILEGE_NOT_HELD -> " (needs SeIncreaseBasePriorityPrivilege)";
            case ERROR_INVALID_PARAMETER, ERROR_NOT_SUPPORTED -> " (not supported by this Windows version or edition)";
            default -> "";
        };
        return new LimitRefusedException(limit, "windows", call + " on " + objectName + " failed: " + Win32Error.describe(err) + hint);
    }

    <T extends Structure> T query(int infoClass, T s) {
        if (!api.QueryInformationJobObject(job, infoClass, s.getPointer(), s.size(), null)) {
            throw new JobException("QueryInformationJobObject(" + objectName + ", class " + infoClass + ") failed: "
                    + Win32Error.describe(api.lastError()));
        }
        s.read();
        return s;
    }

    @Override
    public JobCounters counters() {
        open();
        var acc = query(JobObjectBasicAndIoAccountingInformation, new JOBOBJECT_BASIC_AND_IO_ACCOUNTING_INFORMATION());
        var x = query(JobObjectExtendedLimitInformation, new JOBOBJECT_EXTENDED_LIMIT_INFORMATION());
        var v = violation();
        var b = acc.BasicInfo;
        return new JobCounters(
                b.TotalUserTime / 10_000, b.TotalKernelTime / 10_000,
                Integer.toUnsignedLong(b.TotalPageFaultCount), Integer.toUnsignedLong(b.TotalProcesses),
                Integer.toUnsignedLong(b.ActiveProcesses), Integer.toUnsignedLong(b.TotalTerminatedProcesses),
                acc.IoInfo.ReadOperationCount, acc.IoInfo.WriteOperationCount, acc.IoInfo.OtherOperationCount,
                acc.IoInfo.ReadTransferCount, acc.IoInfo.WriteTransferCount, acc.IoInfo.OtherTransferCount,
                v == null ? JobCounters.UNKNOWN : v.JobMemory,
                x.PeakJobMemoryUsed.longValue(), x.PeakProcessMemoryUsed.longValue());
    }

    // ---- JobMessages.JobFacts ----

    @Override
    public JobLimits limits() {
        return limits;
    }

    @Override
    public Integer exitCode(long pid) {
        HANDLE p = api.OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, false, (int) pid);
        if (isNull(p)) {
            return null;
        }
        try {
            IntByReference code = new IntByReference();
            return api.GetExitCodeProcess(p, code) ? code.getValue() : null;
        } finally {
            api.CloseHandle(p);
        }
    }

    @Override
    public long activeProcesses() {
        try {
            return Integer.toUnsignedLong(query(JobObjectBasicAndIoAccountingInformation,
                    new JOBOBJECT_BASIC_AND_IO_ACCOUNTING_INFORMATION()).BasicInfo.ActiveProcesses);
        } catch (JobException e) {
            return JobCounters.UNKNOWN;
        }
    }

    @Override
    public Duration userTime() {
        try {
            return LimitEncoding.fromTicks(query(JobObjectBasicAndIoAccountingInformation,
                    new JOBOBJECT_BASIC_AND_IO_ACCOUNTING_INFORMATION()).BasicInfo.TotalUserTime);
        } catch (JobException e) {
            return null;
        }
    }

    @Override
    public JOBOBJECT_LIMIT_VIOLATION_INFORMATION violation() {
        try {
            return query(JobObjectLimitViolationInformation, new JOBOBJECT_LIMIT_VIOLATION_INFORMATION());
        } catch (JobException e) {
            return null;
        }
    }

    /**
     * TerminateJobObject, then waits (up to 5 s) until the kernel counts no active process. A job holding
     * this JVM is never terminated as a whole: its other processes are, one by one, and the host lives on.
     */
    @Override
    public void terminate(int exitCode) {
        open();
        if (containsCurrentProcess()) {
            terminateOthers(exitCode);
            return;
        }
        if (!api.TerminateJobObject(job, exitCode)) {
            throw new JobException("TerminateJobObject(" + objectName + ") failed: " + Win32Error.describe(api.lastError()));
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (activeProcesses() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void terminateOthers(int exitCode) {
        long self = api.GetCurrentProcessId();
        for (long pid : pids()) {
            if (pid == self) {
                continue;
            }
            HANDLE p = api.OpenProcess(PROCESS_TERMINATE, false, (int) pid);
            if (!isNull(p)) {
                api.TerminateProcess(p, exitCode);
                api.CloseHandle(p);
            }
        }
    }

    @Override
    public BackendJob createChild(JobSpec spec, Consumer<JobEvent> childEvents) {
        open();
        return create(backend, spec, childEvents, this);
    }

    @Override
    public String location() {
        return "job object " + objectName;
    }

    /**
     * Close order: children first; then, with kill-on-close, TerminateJobObject (other handles to a named
     * job would keep it alive otherwise); then the completion key is dropped, the job handle closed, and
     * the backend's pump stopped once no job is left. A job holding this JVM has its other processes
     * ended and kill-on-close cleared before the handle closes, or closing it would end the host too.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        List<WindowsJob> kids;
        synchronized (children) {
            kids = new ArrayList<>(children);
        }
        for (WindowsJob c : kids) {
            c.close();
        }
        try {
            if (limits.killsOnClose()) {
                if (containsCurrentProcess()) {
                    terminateOthers(1);
                    JobLimits keep = limits.toBuilder().killOnClose(false).build();
                    write(LimitEncoding.encode(keep, limits), keep);
                } else if (!api.TerminateJobObject(job, 1)) {
                    LOG.log(System.Logger.Level.WARNING, "TerminateJobObject(" + objectName + ") on close failed: "
                            + Win32Error.describe(api.lastError()));
                }
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "closing " + objectName, e);
        } finally {
            closed = true;
            abandon();
            if (parent != null) {
                parent.children.remove(this);
            }
        }
    }

    /** Drops the completion key, closes the handle, releases the pump. */
    private void abandon() {
        closed = true;
        if (key >= 0) {
            backend.pump().unregister(key);
        }
        api.CloseHandle(job);
        if (key >= 0) {
            key = -1;
            backend.detach();
        }
    }

    private void open() {
        if (closed) {
            throw new IllegalStateException("job " + objectName + " is closed");
        }
    }

    static boolean isNull(HANDLE h) {
        return h == null || h.getPointer() == null || Pointer.nativeValue(h.getPointer()) == 0;
    }
}
