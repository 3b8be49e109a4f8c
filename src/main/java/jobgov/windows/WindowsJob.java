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
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.Supplier;
import jobgov.job.BackendJob;
import jobgov.job.JobCounters;
import jobgov.job.JobEvent;
import jobgov.job.JobException;
import jobgov.job.JobLimits;
import jobgov.job.JobSpec;
import jobgov.job.Limit;
import jobgov.job.LimitRefusedException;
import jobgov.job.JobTimeAction;
import jobgov.job.PriorityClass;
import jobgov.windows.JobInformation.JOBOBJECT_ASSOCIATE_COMPLETION_PORT;
import jobgov.windows.JobInformation.JOBOBJECT_BASIC_AND_IO_ACCOUNTING_INFORMATION;
import jobgov.windows.JobInformation.JOBOBJECT_BASIC_PROCESS_ID_LIST;
import jobgov.windows.JobInformation.JOBOBJECT_EXTENDED_LIMIT_INFORMATION;
import jobgov.windows.JobInformation.JOBOBJECT_LIMIT_VIOLATION_INFORMATION;
import jobgov.windows.JobInformation.JOBOBJECT_MEMORY_USAGE_INFORMATION;

/**
 * One Win32 job object: a handle, its completion key on the backend's port, its parent (nested jobs),
 * and the limits last applied. Thread-safe for the calls {@link jobgov.job.Job} makes.
 *
 * <p>Why one file past 450 lines: membership, limit writes, counters and termination all run under the one
 * handle lock ({@link #handleLock}: no call may use the handle after CloseHandle) and share the held member
 * handles, and the kernel's rules for them cross-reference each other (a host inside the job, a nested job);
 * what stands apart already is apart: the encoding of limits ({@link LimitEncoding}), the completion port
 * ({@link CompletionPortPump}), its messages ({@link JobMessages}), attribution and process start.
 */
final class WindowsJob implements BackendJob, JobMessages.JobFacts {
    private static final System.Logger LOG = System.getLogger("jobgov.windows");
    /** Process-id list: first capacity, and how many times ERROR_MORE_DATA may make it grow. */
    static final int PID_LIST_CAPACITY = 64;
    private static final int PID_LIST_TRIES = 16;
    /** How many member handles are kept before those of ended members are dropped. */
    static final int MEMBER_HANDLES = 1024;
    /** Limits Windows applies to each process of the job, the governing JVM included when it is a member. */
    static final Set<Limit> PER_PROCESS = Set.of(Limit.PROCESS_MEMORY, Limit.PROCESS_TIME);

    private final WindowsBackend backend;
    private final Kernel32Jobs api;
    private final HANDLE job;
    private final String objectName;
    private final WindowsJob parent;
    private final Consumer<JobEvent> events;
    private final List<WindowsJob> children = Collections.synchronizedList(new ArrayList<>());
    /** Created by us (true) or opened by name: only a created job is ended by our close. */
    private final boolean owned;
    /**
     * Held (read) by every use of the job handle, taken (write) to close it: a closed handle value can be
     * reused by the kernel for another object, so no query may run after CloseHandle.
     */
    private final ReentrantReadWriteLock handleLock = new ReentrantReadWriteLock();
    /** Process handles held from NEW_PROCESS on, so an exit code is read from that process, never a recycled pid. */
    private final Map<Long, HANDLE> members = new ConcurrentHashMap<>();
    private volatile long key = -1;
    private volatile JobLimits limits = JobLimits.NONE;
    private volatile boolean closed;

    private WindowsJob(WindowsBackend backend, HANDLE job, String objectName, WindowsJob parent, Consumer<JobEvent> events,
            boolean owned) {
        this.owned = owned;
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
        WindowsJob j = new WindowsJob(backend, h, name, parent, events, true);
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
        WindowsJob j = new WindowsJob(backend, h, objectName, null, events, false);
        try {
            j.associate();
        } catch (JobException e) {
            // A job has one completion port; its creator's keeps the messages.
            LOG.log(System.Logger.Level.WARNING, objectName + ": no events (" + e.getMessage() + ")");
        }
        j.limits = LimitEncoding.decode(new LimitEncoding.Encoded(
                j.query(JobObjectExtendedLimitInformation, new JOBOBJECT_EXTENDED_LIMIT_INFORMATION()),
                null, null, null, null, null, null, null));
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

    /**
     * Decodes under the handle's read lock, delivers after releasing it: a listener may close this job
     * from the pump thread, and the close needs the write lock.
     */
    private void onMessage(int message, long pid) {
        List<JobEvent> out;
        boolean endOfJobTime = false;
        handleLock.readLock().lock();
        try {
            if (closed) {
                return;
            }
            if (message == JOB_OBJECT_MSG_NEW_PROCESS) {
                hold(pid);
            }
            if (!JobAttribution.ownLimitMessage(this, message, pid)) {
                return;
            }
            out = JobMessages.decode(message, pid, Instant.now(), this);
            if (message == JOB_OBJECT_MSG_EXIT_PROCESS || message == JOB_OBJECT_MSG_ABNORMAL_EXIT_PROCESS) {
                release(pid);
            }
            endOfJobTime = message == JOB_OBJECT_MSG_END_OF_JOB_TIME && hostKeptFromEndOfJobTime();
        } finally {
            handleLock.readLock().unlock();
        }
        if (endOfJobTime) {
            // The kernel was told to post only (it would end the host too): end the others here.
            terminate(ERROR_NOT_ENOUGH_QUOTA);
        }
        for (JobEvent e : out) {
            events.accept(e);
        }
    }

    /** Opens and keeps a handle to a new member, after checking it is one (the pid may already be reused). */
    private void hold(long pid) {
        if (pid == 0 || pid == api.GetCurrentProcessId()) {
            return;
        }
        HANDLE p = api.OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION | SYNCHRONIZE, false, (int) pid);
        if (isNull(p)) {
            return;
        }
        if (!contains(p)) {
            api.CloseHandle(p);
            return;
        }
        HANDLE old = members.put(pid, p);
        if (old != null) {
            api.CloseHandle(old);
        }
        if (members.size() > MEMBER_HANDLES) {
            // Exit messages are best-effort: drop the handles of members that have ended.
            members.entrySet().removeIf(e -> {
                boolean gone = api.WaitForSingleObject(e.getValue(), 0) == WAIT_OBJECT_0;
                if (gone) {
                    api.CloseHandle(e.getValue());
                }
                return gone;
            });
        }
    }

    private void release(long pid) {
        HANDLE p = members.remove(pid);
        if (p != null) {
            api.CloseHandle(p);
        }
    }

    /** Runs {@code body} with the handle guaranteed open (see {@link #handleLock}). */
    private <T> T using(Supplier<T> body) {
        handleLock.readLock().lock();
        try {
            open();
            return body.get();
        } finally {
            handleLock.readLock().unlock();
        }
    }

    private void using(Runnable body) {
        using(() -> {
            body.run();
            return null;
        });
    }

    WindowsJob parent() {
        return parent;
    }

    /** For {@link JobAttribution}: a handle to a message's pid (a member's held handle, or a fresh one to release). */
    HANDLE processForAttribution(long pid) {
        HANDLE held = members.get(pid);
        return held != null ? held : api.OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, false, (int) pid);
    }

    void releaseForAttribution(HANDLE p) {
        if (p != null && !isNull(p) && !members.containsValue(p)) {
            api.CloseHandle(p);
        }
    }

    /** Whether {@code process} is in this job; false once the job is closed. */
    boolean holds(HANDLE process) {
        if (isNull(process)) {
            return false;
        }
        return readOrElse(() -> contains(process), false);
    }

    long jobMemoryUsedIfOpen() {
        return readOrElse(this::jobMemoryUsed, JobCounters.UNKNOWN);
    }

    long activeProcessesIfOpen() {
        return readOrElse(this::activeProcesses, JobCounters.UNKNOWN);
    }

    Duration userTimeIfOpen() {
        return readOrElse(this::userTime, null);
    }

    /** {@code body} under the read lock, or {@code closedValue} when the handle is already closed. */
    private <T> T readOrElse(Supplier<T> body, T closedValue) {
        handleLock.readLock().lock();
        try {
            return closed ? closedValue : body.get();
        } finally {
            handleLock.readLock().unlock();
        }
    }

    /** The nested jobs made through this one (a snapshot). */
    List<WindowsJob> children() {
        synchronized (children) {
            return new ArrayList<>(children);
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
        using(() -> {
            boolean self = pid == api.GetCurrentProcessId();
            if (self) {
                admitHost();
            }
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
        });
    }

    /**
     * Before this JVM joins the chain: no job of it may hold a per-process limit (Windows would apply it
     * to the JVM), and a terminating end-of-job time becomes post-only, ended by us without the host.
     */
    private void admitHost() {
        for (WindowsJob j : chain()) {
            Limit l = perProcessLimit(j.limits);
            if (l != null) {
                throw hostRefusal(l, j);
            }
        }
        // No lock on an ancestor here: its close() holds its monitor while it waits for this job's handle lock.
        for (WindowsJob j : chain()) {
            JobLimits l = j.limits;
            if (l.jobTime() != null && l.jobTimeAction() != JobTimeAction.POST) {
                j.set(JobObjectEndOfJobTimeInformation, LimitEncoding.endOfJobTime(JobTimeAction.POST), "end-of-job-time action",
                        l, Limit.JOB_TIME, Set.of());
            }
        }
    }

    private static Limit perProcessLimit(JobLimits l) {
        return l.processMemoryBytes() != null ? Limit.PROCESS_MEMORY : l.processTime() != null ? Limit.PROCESS_TIME : null;
    }

    private LimitRefusedException hostRefusal(Limit l, WindowsJob holder) {
        return new LimitRefusedException(l, "windows", "this JVM is (or would be) a member of " + holder.objectName
                + ", and Windows applies " + l.key() + " to every process of a job, the governing JVM included;"
                + " put per-process limits on a child job that holds the started processes (createChild), or govern them"
                + " from outside with `jobgov run`");
    }

    /** The host is in this job and the job time limit asked to terminate: the kernel only posts, we end the others. */
    private boolean hostKeptFromEndOfJobTime() {
        JobLimits l = limits;
        return l.jobTime() != null && l.jobTimeAction() != JobTimeAction.POST && containsCurrentProcess();
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
        return using(() -> JobProcessStart.start(api, chain(), command, backend.jobListAttribute()));
    }

    /** JobObjectBasicProcessIdList, growing the buffer while the kernel answers ERROR_MORE_DATA. */
    @Override
    public List<Long> pids() {
        return using(this::readPids);
    }

    private List<Long> readPids() {
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
        using(() -> {
            check(next);
            LimitEncoding.Encoded encoded = LimitEncoding.encode(next, current, backend.processorGroups());
            try {
                write(encoded, next);
            } catch (RuntimeException e) {
                try {
                    write(LimitEncoding.encode(current, next, backend.processorGroups()), current);
                } catch (RuntimeException restore) {
                    e.addSuppressed(restore);
                }
                throw e;
            }
            limits = next;
        });
    }

    /** Refuses, before any write, what this job cannot carry where it stands (host inside, nested). */
    private void check(JobLimits next) {
        Limit l = perProcessLimit(next);
        if (l != null && containsCurrentProcess()) {
            throw hostRefusal(l, this);
        }
        if (next.uiRestrictions() != null && !next.uiRestrictions().isEmpty()) {
            if (parent != null) {
                throw new LimitRefusedException(Limit.UI_RESTRICTIONS, "windows", objectName + " is a nested job: Windows refuses"
                        + " to add a process that is already in a job to a job with UI restrictions; set them on the outermost job");
            }
            if (backend.jvmInForeignJob()) {
                throw new LimitRefusedException(Limit.UI_RESTRICTIONS, "windows", "this JVM runs inside a job object not made by"
                        + " jobgov, so every job it makes is nested, and Windows refuses UI restrictions on a nested job");
            }
        }
        if (needsBasePriority(next)) {
            int err = api.enablePrivilege(SE_INC_BASE_PRIORITY_NAME);
            if (err != ERROR_SUCCESS) {
                Limit which = elevatedPriority(next) ? Limit.PRIORITY_CLASS
                        : next.schedulingClass() != null && next.schedulingClass() > 5 ? Limit.SCHEDULING_CLASS : Limit.WORKING_SET;
                throw new LimitRefusedException(which, "windows", which.key() + " needs " + SE_INC_BASE_PRIORITY_NAME
                        + " enabled in this process's token, and enabling it failed: " + Win32Error.describe(err)
                        + (err == ERROR_NOT_ALL_ASSIGNED ? " (the account does not hold it: run elevated, or grant"
                                + " 'Increase scheduling priority' to the account)" : ""));
            }
        }
    }

    private static boolean elevatedPriority(JobLimits l) {
        return l.priorityClass() == PriorityClass.HIGH || l.priorityClass() == PriorityClass.REALTIME;
    }

    static final String SE_INC_BASE_PRIORITY_NAME = "SeIncreaseBasePriorityPrivilege";

    /** HIGH or REALTIME priority class, scheduling class above 5, or a working-set minimum. */
    static boolean needsBasePriority(JobLimits l) {
        return elevatedPriority(l)
                || (l.schedulingClass() != null && l.schedulingClass() > 5)
                || l.minWorkingSetBytes() != null;
    }

    /**
     * The end-of-job-time action goes first, so the time limit never runs with the default action; the
     * extended limits are read, modified and written, keeping the flags the model does not know.
     */
    private void write(LimitEncoding.Encoded e, JobLimits l) {
        if (e.endOfJobTime() != null && l.jobTimeAction() != JobTimeAction.POST && containsCurrentProcess()) {
            e.endOfJobTime().EndOfJobTimeAction = JOB_OBJECT_POST_AT_END_OF_JOB; // the kernel would end the host too
        }
        set(JobObjectEndOfJobTimeInformation, e.endOfJobTime(), "end-of-job-time action", l, Limit.JOB_TIME, Set.of());
        JOBOBJECT_EXTENDED_LIMIT_INFORMATION x = e.extended();
        JOBOBJECT_EXTENDED_LIMIT_INFORMATION now = tryQuery(JobObjectExtendedLimitInformation, new JOBOBJECT_EXTENDED_LIMIT_INFORMATION());
        if (now != null) {
            LimitEncoding.keepUnmodelled(now, x);
        }
        set(JobObjectExtendedLimitInformation, x, "extended limits", l, Limit.KILL_ON_CLOSE,
                Set.of(Limit.JOB_MEMORY, Limit.PROCESS_MEMORY, Limit.WORKING_SET, Limit.ACTIVE_PROCESSES, Limit.AFFINITY,
                        Limit.PRIORITY_CLASS, Limit.SCHEDULING_CLASS, Limit.PROCESS_TIME, Limit.JOB_TIME,
                        Limit.DIE_ON_UNHANDLED_EXCEPTION, Limit.BREAKAWAY));
        if (e.groupAffinity() != null) {
            if (!api.SetInformationJobObject(job, JobObjectGroupInformationEx, e.groupAffinity(), (int) e.groupAffinity().size())) {
                throw refused(Limit.AFFINITY, "SetInformationJobObject(group affinity)", api.lastError());
            }
        }
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
            case ERROR_PRIVILEGE_NOT_HELD -> " (" + SE_INC_BASE_PRIORITY_NAME + " is not enabled in this process's token)";
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

    private <T extends Structure> T tryQuery(int infoClass, T s) {
        try {
            return query(infoClass, s);
        } catch (JobException e) {
            return null;
        }
    }

    @Override
    public JobCounters counters() {
        return using(() -> {
            var acc = query(JobObjectBasicAndIoAccountingInformation, new JOBOBJECT_BASIC_AND_IO_ACCOUNTING_INFORMATION());
            var x = query(JobObjectExtendedLimitInformation, new JOBOBJECT_EXTENDED_LIMIT_INFORMATION());
            var b = acc.BasicInfo;
            return new JobCounters(
                    b.TotalUserTime / 10_000, b.TotalKernelTime / 10_000,
                    Integer.toUnsignedLong(b.TotalPageFaultCount), Integer.toUnsignedLong(b.TotalProcesses),
                    Integer.toUnsignedLong(b.ActiveProcesses), Integer.toUnsignedLong(b.TotalTerminatedProcesses),
                    acc.IoInfo.ReadOperationCount, acc.IoInfo.WriteOperationCount, acc.IoInfo.OtherOperationCount,
                    acc.IoInfo.ReadTransferCount, acc.IoInfo.WriteTransferCount, acc.IoInfo.OtherTransferCount,
                    jobMemoryUsed(), x.PeakJobMemoryUsed.longValue(), x.PeakProcessMemoryUsed.longValue());
        });
    }

    // ---- JobMessages.JobFacts ----

    @Override
    public JobLimits limits() {
        return limits;
    }

    /** Read from the handle held since NEW_PROCESS; never by opening the pid again, which may belong to another process by now. */
    @Override
    public Integer exitCode(long pid) {
        HANDLE p = members.get(pid);
        if (p == null) {
            return null;
        }
        IntByReference code = new IntByReference();
        // The wait, not STILL_ACTIVE (259, also a legal exit code), says whether it has ended.
        return api.WaitForSingleObject(p, 0) == WAIT_OBJECT_0 && api.GetExitCodeProcess(p, code) ? code.getValue() : null;
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
        return tryQuery(JobObjectLimitViolationInformation, new JOBOBJECT_LIMIT_VIOLATION_INFORMATION());
    }

    /**
     * The job's committed memory now: JobObjectMemoryUsageInformation (Windows 10 1607+), else the
     * limit-violation record, else unknown.
     */
    @Override
    public long jobMemoryUsed() {
        JOBOBJECT_MEMORY_USAGE_INFORMATION m = tryQuery(JobObjectMemoryUsageInformation, new JOBOBJECT_MEMORY_USAGE_INFORMATION());
        if (m != null) {
            return m.JobMemory;
        }
        JOBOBJECT_LIMIT_VIOLATION_INFORMATION v = violation();
        return v == null ? JobCounters.UNKNOWN : v.JobMemory;
    }

    /**
     * TerminateJobObject, then waits (up to 5 s) until the kernel counts no active process. A job holding
     * this JVM is never terminated as a whole: its other processes are, one by one, and the host lives on.
     */
    @Override
    public void terminate(int exitCode) {
        using(() -> {
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
        });
    }

    /**
     * Each other member through a handle opened by pid and then checked with IsProcessInJob: the handle
     * pins the process, so a pid reused since the list was read (a stranger) is seen and left alone.
     */
    private void terminateOthers(int exitCode) {
        long self = api.GetCurrentProcessId();
        for (long pid : readPids()) {
            if (pid == self) {
                continue;
            }
            HANDLE p = api.OpenProcess(PROCESS_TERMINATE | PROCESS_QUERY_LIMITED_INFORMATION, false, (int) pid);
            if (isNull(p)) {
                continue; // ended meanwhile
            }
            try {
                if (contains(p)) {
                    api.TerminateProcess(p, exitCode);
                } else {
                    LOG.log(System.Logger.Level.DEBUG, objectName + ": pid " + pid + " is no longer a member; left alone");
                }
            } finally {
                api.CloseHandle(p);
            }
        }
    }

    @Override
    public java.util.Set<Long> kill(java.util.Collection<Long> pids) {
        return using(() -> {
            java.util.Set<Long> killed = new java.util.LinkedHashSet<>();
            long self = api.GetCurrentProcessId();
            for (long pid : pids) {
                if (pid != self && terminateMember(pid, 1)) {
                    killed.add(pid);
                }
            }
            return killed;
        });
    }

    /**
     * TerminateProcess through a handle opened first and then checked with IsProcessInJob: the handle names one
     * process, so a pid freed and reused by a stranger after it was listed fails the check and is left alone.
     */
    private boolean terminateMember(long pid, int exitCode) {
        HANDLE p = api.OpenProcess(PROCESS_TERMINATE | PROCESS_QUERY_LIMITED_INFORMATION, false, (int) pid);
        if (isNull(p)) {
            return false;
        }
        try {
            return contains(p) && api.TerminateProcess(p, exitCode);
        } finally {
            api.CloseHandle(p);
        }
    }

    @Override
    public BackendJob createChild(JobSpec spec, Consumer<JobEvent> childEvents) {
        return using(() -> create(backend, spec, childEvents, this));
    }

    /** Where the job's events come from (MBean attribute EventSource, status): the kernel posts them to the job's port. */
    @Override
    public String eventSource() {
        return "job object completion port";
    }

    @Override
    public String location() {
        return "job object " + objectName;
    }

    /**
     * Close order: children first; then, for a job we created with kill-on-close, TerminateJobObject
     * (other handles to a named job would keep it alive otherwise); then the completion key is dropped,
     * the job handle closed, and the backend's pump stopped once no job is left. A job holding this JVM
     * has its other processes ended and kill-on-close cleared before the handle closes, or closing it
     * would end the host too. A job opened by name is only let go of: what happens to its processes when
     * the last handle closes is the kernel's business and its creator's.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        for (WindowsJob c : children()) {
            c.close();
        }
        try {
            if (owned && limits.killsOnClose()) {
                if (containsCurrentProcess()) {
                    terminateOthers(1);
                    JobLimits keep = limits.toBuilder().killOnClose(false).build();
                    write(LimitEncoding.encode(keep, limits, backend.processorGroups()), keep);
                } else if (!api.TerminateJobObject(job, 1)) {
                    LOG.log(System.Logger.Level.WARNING, "TerminateJobObject(" + objectName + ") on close failed: "
                            + Win32Error.describe(api.lastError()));
                }
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "closing " + objectName, e);
        } finally {
            abandon();
            if (parent != null) {
                parent.children.remove(this);
            }
        }
    }

    /** Drops the completion key, closes the handle (once no call is using it) and the member handles, releases the pump. */
    private void abandon() {
        if (key >= 0) {
            backend.pump().unregister(key);
        }
        handleLock.writeLock().lock();
        try {
            closed = true;
            api.CloseHandle(job);
            for (HANDLE p : members.values()) {
                api.CloseHandle(p);
            }
            members.clear();
        } finally {
            handleLock.writeLock().unlock();
        }
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
