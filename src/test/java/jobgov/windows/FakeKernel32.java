package jobgov.windows;

import static jobgov.windows.JobConstants.*;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.WString;
import com.sun.jna.platform.win32.BaseTSD.SIZE_T;
import com.sun.jna.platform.win32.BaseTSD.ULONG_PTR;
import com.sun.jna.platform.win32.BaseTSD.ULONG_PTRByReference;
import com.sun.jna.platform.win32.WinBase;
import com.sun.jna.platform.win32.WinDef.DWORD;
import com.sun.jna.platform.win32.WinNT.HANDLE;
import com.sun.jna.platform.win32.WinNT.HANDLEByReference;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Java fake of {@link Kernel32Jobs} for testing the backend's logic where no Windows kernel exists:
 * job objects as maps of the bytes last written per information class, a completion port as a queue,
 * processes as numbers. It records every call (in {@link #calls}) so tests can check order, and can be
 * told to fail a call with a given last-error code. It enforces nothing.
 */
final class FakeKernel32 implements Kernel32Jobs {
    static final int SELF_PID = 4242;
    static final long CURRENT_PROCESS = -1;

    static final class Job {
        final String name;
        final Map<Integer, byte[]> info = new ConcurrentHashMap<>();
        final Set<Long> pids = ConcurrentHashMap.newKeySet();
        volatile Port port;
        volatile long key;
        volatile Integer terminatedWith;
        int handles;

        Job(String name) {
            this.name = name;
        }
    }

    static final class Port {
        final BlockingQueue<long[]> queue = new LinkedBlockingQueue<>();
        volatile boolean closed;
    }

    /** A process object; {@code stranger}: opened by a pid that was reused by a process outside every job. */
    record Proc(long pid, boolean stranger) {
        Proc(long pid) {
            this(pid, false);
        }
    }

    record Thread0(long pid) {
    }

    final List<String> calls = java.util.Collections.synchronizedList(new ArrayList<>());
    final Map<Long, Object> objects = new ConcurrentHashMap<>();
    final Map<String, Job> named = new ConcurrentHashMap<>();
    final Map<Long, Integer> exitCodes = new ConcurrentHashMap<>();
    /** Call name (e.g. "SetInformationJobObject:15") to the error it fails with. */
    final Map<String, Integer> failures = new ConcurrentHashMap<>();
    final Map<Long, List<Long>> attributes = new ConcurrentHashMap<>();
    /** What JobObjectLimitViolationInformation answers (null: the query fails). */
    volatile JobInformation.JOBOBJECT_LIMIT_VIOLATION_INFORMATION violation;
    volatile int lastCreationFlags;
    /** Pids reused by processes outside every job: OpenProcess on them gives a stranger. */
    final Set<Long> recycled = ConcurrentHashMap.newKeySet();
    /** Pids the process-id list still reports although they belong to strangers now. */
    final Set<Long> listedStrangers = ConcurrentHashMap.newKeySet();
    /** Whether this process has a console window (GetConsoleWindow). */
    volatile boolean console = true;
    /** Active processors per processor group. */
    volatile int[] processorGroups = {4};
    volatile int build = 22631;
    /** What enablePrivilege answers; the privileges asked for are recorded in {@link #calls}. */
    volatile int privilegeError = ERROR_SUCCESS;
    /** Set when a handle was closed while a query on it was still running (a use-after-close). */
    volatile String closedWhileInUse;
    /** When set, the process-id list query waits for it (after counting down {@link #queryEntered}). */
    volatile java.util.concurrent.CountDownLatch queryGate;
    final java.util.concurrent.CountDownLatch queryEntered = new java.util.concurrent.CountDownLatch(1);
    private final Map<Long, Integer> inFlight = new ConcurrentHashMap<>();
    volatile String lastCommandLine;
    private final AtomicLong nextHandle = new AtomicLong(0x100);
    private final AtomicLong nextPid = new AtomicLong(1000);
    private final ThreadLocal<Integer> lastError = ThreadLocal.withInitial(() -> 0);

    @Override
    public int lastError() {
        return lastError.get();
    }

    private boolean fail(String call) {
        Integer err = failures.get(call);
        if (err != null) {
            lastError.set(err);
            return true;
        }
        return false;
    }

    private HANDLE handle(Object o) {
        long h = nextHandle.getAndAdd(4);
        objects.put(h, o);
        return new HANDLE(new Pointer(h));
    }

    private Object object(HANDLE h) {
        return h == null ? null : objects.get(Pointer.nativeValue(h.getPointer()));
    }

    private Job job(HANDLE h) {
        return (Job) object(h);
    }

    private long pidOf(HANDLE h) {
        long v = Pointer.nativeValue(h.getPointer());
        if (v == CURRENT_PROCESS) {
            return SELF_PID;
        }
        return ((Proc) objects.get(v)).pid();
    }

    void post(Job j, int message, long pid) {
        if (j.port != null) {
            j.port.queue.add(new long[] {message, j.key, pid});
        }
    }

    Job onlyJob() {
        return named.values().iterator().next();
    }

    // ---- jobs ----

    @Override
    public HANDLE CreateJobObjectW(Pointer sa, WString name) {
        calls.add("CreateJobObjectW:" + name);
        if (fail("CreateJobObjectW")) {
            return null;
        }
        Job existing = named.get(name.toString());
        Job j = existing != null ? existing : new Job(name.toString());
        named.put(j.name, j);
        j.handles++;
        lastError.set(existing != null ? ERROR_ALREADY_EXISTS : 0);
        return handle(j);
    }

    @Override
    public HANDLE OpenJobObjectW(int access, boolean inherit, WString name) {
        calls.add("OpenJobObjectW:" + name);
        Job j = named.get(name.toString());
        if (j == null) {
            lastError.set(ERROR_FILE_NOT_FOUND);
            return null;
        }
        j.handles++;
        return handle(j);
    }

    @Override
    public boolean AssignProcessToJobObject(HANDLE job, HANDLE process) {
        Job j = job(job);
        calls.add("AssignProcessToJobObject:" + j.name);
        if (fail("AssignProcessToJobObject")) {
            return false;
        }
        long pid = pidOf(process);
        j.pids.add(pid);
        post(j, JOB_OBJECT_MSG_NEW_PROCESS, pid);
        return true;
    }

    @Override
    public boolean TerminateJobObject(HANDLE job, int exitCode) {
        Job j = job(job);
        calls.add("TerminateJobObject:" + j.name + ":" + exitCode);
        j.terminatedWith = exitCode;
        for (long pid : j.pids) {
            exitCodes.put(pid, exitCode);
            post(j, JOB_OBJECT_MSG_EXIT_PROCESS, pid);
        }
        j.pids.clear();
        post(j, JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO, 0);
        return true;
    }

    @Override
    public boolean IsProcessInJob(HANDLE process, HANDLE job, IntByReference result) {
        Object o = objects.get(Pointer.nativeValue(process.getPointer()));
        if (o instanceof Proc p && p.stranger()) {
            result.setValue(0);
            return true;
        }
        if (job == null) {
            result.setValue(named.values().stream().anyMatch(j -> j.pids.contains(pidOf(process))) ? 1 : 0);
            return true;
        }
        result.setValue(job(job).pids.contains(pidOf(process)) ? 1 : 0);
        return true;
    }

    @Override
    public boolean SetInformationJobObject(HANDLE job, int infoClass, Pointer info, int length) {
        Job j = job(job);
        calls.add("SetInformationJobObject:" + infoClass);
        if (fail("SetInformationJobObject:" + infoClass)) {
            return false;
        }
        j.info.put(infoClass, info.getByteArray(0, length));
        if (infoClass == JobObjectAssociateCompletionPortInformation) {
            j.key = Pointer.nativeValue(info.getPointer(0));
            j.port = (Port) objects.get(Pointer.nativeValue(info.getPointer(8)));
        }
        return true;
    }

    @Override
    public boolean QueryInformationJobObject(HANDLE job, int infoClass, Pointer info, int length, IntByReference returnLength) {
        long h = Pointer.nativeValue(job.getPointer());
        inFlight.merge(h, 1, Integer::sum);
        try {
            return query(job, infoClass, info, length);
        } finally {
            inFlight.merge(h, -1, Integer::sum);
        }
    }

    private boolean query(HANDLE job, int infoClass, Pointer info, int length) {
        Job j = job(job);
        calls.add("QueryInformationJobObject:" + infoClass);
        if (j == null) {
            lastError.set(ERROR_INVALID_HANDLE);
            return false;
        }
        if (fail("QueryInformationJobObject:" + infoClass)) {
            return false;
        }
        switch (infoClass) {
            case JobObjectBasicProcessIdList -> {
                var gate = queryGate;
                if (gate != null) {
                    queryEntered.countDown();
                    try {
                        gate.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                List<Long> pids = new ArrayList<>(new LinkedHashSet<>(j.pids));
                pids.addAll(listedStrangers);
                int capacity = (length - 8) / 8;
                info.setInt(0, pids.size());
                int n = Math.min(capacity, pids.size());
                info.setInt(4, n);
                for (int i = 0; i < n; i++) {
                    info.setLong(8 + 8L * i, pids.get(i));
                }
                if (n < pids.size()) {
                    lastError.set(ERROR_MORE_DATA);
                    return false;
                }
                return true;
            }
            case JobObjectBasicAndIoAccountingInformation -> {
                info.clear(length);
                info.setLong(0, 20_000_000L); // 2 s user time
                info.setLong(8, 10_000_000L); // 1 s kernel time
                info.setInt(32, 77);
                info.setInt(36, j.pids.size() + 1);
                info.setInt(40, j.pids.size());
                info.setInt(44, 1);
                info.setLong(48, 5); // ReadOperationCount
                info.setLong(72, 4096); // ReadTransferCount
                return true;
            }
            case JobObjectLimitViolationInformation -> {
                if (violation == null) {
                    lastError.set(ERROR_INVALID_PARAMETER);
                    return false;
                }
                violation.write();
                info.write(0, violation.getPointer().getByteArray(0, violation.size()), 0, violation.size());
                return true;
            }
            default -> {
                byte[] b = j.info.get(infoClass);
                info.clear(length);
                if (b != null) {
                    info.write(0, b, 0, Math.min(length, b.length));
                }
                return true;
            }
        }
    }

    @Override
    public int SetIoRateControlInformationJobObject(HANDLE job, Pointer info) {
        calls.add("SetIoRateControlInformationJobObject");
        if (fail("SetIoRateControlInformationJobObject")) {
            return 0;
        }
        job(job).info.put(-1, info.getByteArray(0, 40));
        return 1;
    }

    @Override
    public int QueryIoRateControlInformationJobObject(HANDLE job, WString volume, PointerByReference blocks, IntByReference count) {
        count.setValue(0);
        return 1;
    }

    @Override
    public void FreeMemoryJobObject(Pointer buffer) {
    }

    // ---- ports ----

    @Override
    public HANDLE CreateIoCompletionPort(HANDLE file, HANDLE existing, Pointer key, int threads) {
        calls.add("CreateIoCompletionPort");
        return handle(new Port());
    }

    @Override
    public boolean GetQueuedCompletionStatus(HANDLE port, IntByReference bytes, ULONG_PTRByReference key, PointerByReference overlapped, int ms) {
        Port p = (Port) object(port);
        try {
            while (true) {
                if (p == null || p.closed) {
                    lastError.set(ERROR_ABANDONED_WAIT_0);
                    return false;
                }
                long[] m = p.queue.poll(20, TimeUnit.MILLISECONDS);
                if (m != null) {
                    bytes.setValue((int) m[0]);
                    key.setValue(new ULONG_PTR(m[1]));
                    overlapped.setValue(m[2] == 0 ? null : new Pointer(m[2]));
                    return true;
                }
            }
        } catch (InterruptedException e) {
            lastError.set(ERROR_ABANDONED_WAIT_0);
            return false;
        }
    }

    @Override
    public boolean PostQueuedCompletionStatus(HANDLE port, int bytes, Pointer key, Pointer overlapped) {
        calls.add("PostQueuedCompletionStatus");
        ((Port) object(port)).queue.add(new long[] {bytes, key == null ? 0 : Pointer.nativeValue(key),
                overlapped == null ? 0 : Pointer.nativeValue(overlapped)});
        return true;
    }

    // ---- processes and handles ----

    @Override
    public boolean CloseHandle(HANDLE h) {
        if (inFlight.getOrDefault(Pointer.nativeValue(h.getPointer()), 0) > 0) {
            closedWhileInUse = "CloseHandle(" + Pointer.nativeValue(h.getPointer()) + ") while a query on it was running";
        }
        Object o = objects.remove(Pointer.nativeValue(h.getPointer()));
        if (o instanceof Job j) {
            calls.add("CloseHandle:job:" + j.name);
            if (--j.handles == 0) {
                named.remove(j.name);
            }
        } else if (o instanceof Port p) {
            calls.add("CloseHandle:port");
            p.closed = true;
        } else {
            calls.add("CloseHandle:" + (o == null ? "unknown" : o.getClass().getSimpleName()));
        }
        return o != null;
    }

    @Override
    public HANDLE GetCurrentProcess() {
        return new HANDLE(new Pointer(CURRENT_PROCESS));
    }

    @Override
    public int GetCurrentProcessId() {
        return SELF_PID;
    }

    @Override
    public int GetProcessId(HANDLE process) {
        return (int) pidOf(process);
    }

    @Override
    public HANDLE OpenProcess(int access, boolean inherit, int pid) {
        calls.add("OpenProcess:" + pid);
        return handle(new Proc(pid, recycled.contains((long) pid)));
    }

    @Override
    public boolean GetExitCodeProcess(HANDLE process, IntByReference code) {
        if (isStranger(process)) {
            code.setValue(STILL_ACTIVE);
            return true;
        }
        Integer c = exitCodes.get(pidOf(process));
        code.setValue(c == null ? STILL_ACTIVE : c);
        return true;
    }

    @Override
    public boolean TerminateProcess(HANDLE process, int exitCode) {
        long pid = pidOf(process);
        if (isStranger(process)) {
            calls.add("TerminateProcess:stranger:" + pid);
            return true;
        }
        calls.add("TerminateProcess:" + pid);
        exitCodes.put(pid, exitCode);
        for (Job j : named.values()) {
            j.pids.remove(pid);
        }
        return true;
    }

    @Override
    public int WaitForSingleObject(HANDLE handle, int ms) {
        if (isStranger(handle)) {
            return WAIT_TIMEOUT;
        }
        return exitCodes.containsKey(pidOf(handle)) ? WAIT_OBJECT_0 : WAIT_TIMEOUT;
    }

    @Override
    public int ResumeThread(HANDLE thread) {
        calls.add("ResumeThread");
        return 1;
    }

    @Override
    public boolean CreateProcessW(WString app, char[] commandLine, Pointer pa, Pointer ta, boolean inherit, int flags,
            Pointer env, WString dir, JobInformation.STARTUPINFOEXW si, WinBase.PROCESS_INFORMATION pi) {
        calls.add("CreateProcessW");
        if (fail("CreateProcessW")) {
            return false;
        }
        lastCreationFlags = flags;
        lastCommandLine = new String(commandLine, 0, commandLine.length - 1);
        long pid = nextPid.getAndIncrement();
        // The kernel's part of PROC_THREAD_ATTRIBUTE_JOB_LIST: the process is born in those jobs.
        List<Long> jobs = attributes.get(Pointer.nativeValue(si.lpAttributeList) * 100_000 + PROC_THREAD_ATTRIBUTE_JOB_LIST);
        if (jobs != null) {
            for (long h : jobs) {
                Job j = (Job) objects.get(h);
                j.pids.add(pid);
                post(j, JOB_OBJECT_MSG_NEW_PROCESS, pid);
            }
        }
        pi.hProcess = handle(new Proc(pid));
        pi.hThread = handle(new Thread0(pid));
        pi.dwProcessId = new DWORD(pid);
        pi.dwThreadId = new DWORD(pid + 1);
        return true;
    }

    @Override
    public boolean InitializeProcThreadAttributeList(Pointer list, int count, int flags, ULONG_PTRByReference size) {
        calls.add("InitializeProcThreadAttributeList:" + count);
        if (list == null) {
            size.setValue(new ULONG_PTR(48L * count));
            lastError.set(ERROR_INSUFFICIENT_BUFFER);
            return false;
        }
        return true;
    }

    @Override
    public boolean UpdateProcThreadAttribute(Pointer list, int flags, ULONG_PTR attribute, Pointer value, SIZE_T size, Pointer prev, Pointer ret) {
        calls.add("UpdateProcThreadAttribute:0x" + Long.toHexString(attribute.longValue()));
        List<Long> handles = new ArrayList<>();
        for (long i = 0; i < size.longValue() / Native.POINTER_SIZE; i++) {
            handles.add(Pointer.nativeValue(value.getPointer(i * Native.POINTER_SIZE)));
        }
        attributes.put(Pointer.nativeValue(list) * 100_000 + attribute.longValue(), handles);
        return true;
    }

    @Override
    public void DeleteProcThreadAttributeList(Pointer list) {
        calls.add("DeleteProcThreadAttributeList");
    }

    @Override
    public boolean CreatePipe(HANDLEByReference read, HANDLEByReference write, WinBase.SECURITY_ATTRIBUTES sa, int size) {
        read.setValue(handle("pipe-read"));
        write.setValue(handle("pipe-write"));
        return true;
    }

    @Override
    public boolean SetHandleInformation(HANDLE handle, int mask, int flags) {
        return true;
    }

    @Override
    public boolean DuplicateHandle(HANDLE sp, HANDLE source, HANDLE tp, HANDLEByReference target, int access, boolean inherit, int options) {
        target.setValue(handle("dup"));
        return true;
    }

    @Override
    public HANDLE GetStdHandle(int std) {
        return handle("std" + std);
    }

    @Override
    public HANDLE CreateFileW(WString name, int access, int share, WinBase.SECURITY_ATTRIBUTES sa, int disposition, int flags, HANDLE template) {
        calls.add("CreateFileW:" + name);
        return handle("file:" + name);
    }

    @Override
    public boolean ReadFile(HANDLE file, byte[] buffer, int toRead, IntByReference read, Pointer overlapped) {
        lastError.set(ERROR_BROKEN_PIPE);
        return false;
    }

    @Override
    public boolean WriteFile(HANDLE file, byte[] buffer, int toWrite, IntByReference written, Pointer overlapped) {
        written.setValue(toWrite);
        return true;
    }

    private boolean isStranger(HANDLE h) {
        return objects.get(Pointer.nativeValue(h.getPointer())) instanceof Proc p && p.stranger();
    }

    @Override
    public short GetActiveProcessorGroupCount() {
        return (short) processorGroups.length;
    }

    @Override
    public int GetActiveProcessorCount(short group) {
        return processorGroups[group];
    }

    @Override
    public Pointer GetConsoleWindow() {
        return console ? new Pointer(0x77) : null;
    }

    @Override
    public int enablePrivilege(String privilege) {
        calls.add("enablePrivilege:" + privilege);
        return privilegeError;
    }

    @Override
    public boolean GetVersionExW(Pointer info) {
        info.setInt(12, build);
        return true;
    }

    @Override
    public int windowsBuild() {
        return build;
    }

    /** Object counts by kind, to check nothing leaks. */
    Map<String, Integer> open() {
        Map<String, Integer> m = new HashMap<>();
        for (Object o : objects.values()) {
            m.merge(o.getClass().getSimpleName(), 1, Integer::sum);
        }
        return m;
    }
}
