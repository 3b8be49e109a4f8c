package jobgov.windows;

import static jobgov.windows.JobConstants.*;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.WString;
import com.sun.jna.platform.win32.BaseTSD.ULONG_PTRByReference;
import com.sun.jna.platform.win32.WinNT.HANDLE;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.LongStream;
import jobgov.job.Job;
import jobgov.job.JobCounters;
import jobgov.job.JobEvent;
import jobgov.job.JobException;
import jobgov.job.JobLimits;
import jobgov.job.JobSpec;
import jobgov.job.LimitSpec;
import jobgov.windows.JobInformation.JOBOBJECT_EXTENDED_LIMIT_INFORMATION;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Stand-in tests: the backend's JNA mapping against a gcc-built libkernel32.so with kernel32's calling
 * shapes and error conventions (see {@link StandInKernel32}). They prove that structures arrive at
 * the offsets C reads, that out-parameters and last-error codes come back, and that the process-id
 * list retries on ERROR_MORE_DATA. They are not Windows tests: nothing is enforced here.
 */
class Kernel32StandInTest {
    static Kernel32Jobs k32;
    static StandInKernel32.Controls controls;

    @BeforeAll
    static void load() {
        k32 = StandInKernel32.kernel32();
        controls = StandInKernel32.controls();
    }

    static String unique() {
        return "standin-" + UUID.randomUUID().toString().substring(0, 8);
    }

    WindowsBackend backend() {
        return new WindowsBackend(() -> k32, "Windows 11", "10.0");
    }

    @Test
    void limitStructuresArriveAtTheOffsetsCReads() {
        JobLimits limits = LimitSpec.apply("memory=256m,process-memory=64m,processes=12,affinity=0-1,3,priority-class=below-normal,"
                + "scheduling-class=4,process-time=2s,job-time=1m,cpu=37.5%,memory-notify=1g,io-read-notify=5m,io-write-notify=7m,"
                + "job-time-notify=30s,io-iops=900,io-bandwidth=10m", JobLimits.NONE).toBuilder().workingSetBytes(1L << 20, 8L << 20).build();
        try (Job job = Job.create(backend(), new JobSpec(unique(), null, limits))) {
            HANDLE h = handleOf(job);
            String c = controls.describe(h);
            int flags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE | JOB_OBJECT_LIMIT_JOB_MEMORY | JOB_OBJECT_LIMIT_PROCESS_MEMORY
                    | JOB_OBJECT_LIMIT_WORKINGSET | JOB_OBJECT_LIMIT_ACTIVE_PROCESS | JOB_OBJECT_LIMIT_AFFINITY
                    | JOB_OBJECT_LIMIT_PRIORITY_CLASS | JOB_OBJECT_LIMIT_SCHEDULING_CLASS | JOB_OBJECT_LIMIT_PROCESS_TIME
                    | JOB_OBJECT_LIMIT_JOB_TIME;
            for (String expected : List.of("flags=0x" + Integer.toHexString(flags), "proctime=20000000", "jobtime=600000000",
                    "minws=1048576", "maxws=8388608", "active=12", "affinity=0xb", "priority=0x4000", "sched=4",
                    "procmem=67108864", "jobmem=268435456", "cpuflags=0x5", "cpurate=3750",
                    "notifyflags=0x" + Integer.toHexString(JOB_OBJECT_LIMIT_JOB_MEMORY | JOB_OBJECT_LIMIT_JOB_TIME
                            | JOB_OBJECT_LIMIT_JOB_READ_BYTES | JOB_OBJECT_LIMIT_JOB_WRITE_BYTES),
                    "notifymem=1073741824", "notifyread=5242880", "notifywrite=7340032", "notifytime=300000000",
                    "iops=900", "iobw=10485760")) {
                assertTrue((" " + c + " ").contains(" " + expected + " "), expected + " in: " + c);
            }
        }
    }

    @Test
    void countersAndQueriedStructuresComeBackFieldByField() {
        try (Job job = Job.create(backend(), new JobSpec(unique(), null, LimitSpec.apply("memory=64m", JobLimits.NONE)))) {
            controls.StandInAddProcesses(handleOf(job), 3, 500);
            JobCounters c = job.counters();
            assertEquals(1234, c.totalUserTimeMillis(), "12345678 ticks of 100 ns");
            assertEquals(234, c.totalKernelTimeMillis());
            assertEquals(4242, c.totalPageFaults());
            assertEquals(7, c.totalProcesses());
            assertEquals(3, c.activeProcesses());
            assertEquals(2, c.totalTerminatedProcesses());
            assertEquals(List.of(11L, 22L, 33L, 44L, 55L, 66L), List.of(c.readOperations(), c.writeOperations(),
                    c.otherOperations(), c.readBytes(), c.writeBytes(), c.otherBytes()));
            assertEquals(123456789, c.peakJobMemoryUsedBytes());
            assertEquals(98765, c.peakProcessMemoryUsedBytes());
            assertEquals(JobCounters.UNKNOWN, c.jobMemoryUsedBytes(), "the stand-in has no limit-violation class");
        }
    }

    @Test
    void outParametersAreWrittenBack() {
        HANDLE job = k32.CreateJobObjectW(null, new WString(unique()));
        HANDLE port = k32.CreateIoCompletionPort(com.sun.jna.platform.win32.WinBase.INVALID_HANDLE_VALUE, null, null, 1);
        try {
            var x = new JOBOBJECT_EXTENDED_LIMIT_INFORMATION();
            x.write();
            IntByReference written = new IntByReference(-1);
            assertTrue(k32.QueryInformationJobObject(job, JobObjectExtendedLimitInformation, x.getPointer(), x.size(), written));
            assertEquals(144, written.getValue());
            x.read();
            assertEquals(123456789, x.PeakJobMemoryUsed.longValue(), "SIZE_T read back pointer-sized");

            IntByReference in = new IntByReference(-1);
            assertTrue(k32.IsProcessInJob(k32.GetCurrentProcess(), job, in));
            assertEquals(0, in.getValue());
            assertTrue(k32.AssignProcessToJobObject(job, k32.GetCurrentProcess()));
            assertTrue(k32.IsProcessInJob(k32.GetCurrentProcess(), job, in));
            assertEquals(1, in.getValue());

            ULONG_PTRByReference size = new ULONG_PTRByReference();
            assertFalse(k32.InitializeProcThreadAttributeList(null, 2, 0, size));
            assertEquals(ERROR_INSUFFICIENT_BUFFER, k32.lastError());
            assertEquals(96, size.getValue().longValue());

            assertTrue(k32.PostQueuedCompletionStatus(port, JOB_OBJECT_MSG_EXIT_PROCESS, new Pointer(77), new Pointer(4711)));
            IntByReference msg = new IntByReference();
            ULONG_PTRByReference key = new ULONG_PTRByReference();
            PointerByReference overlapped = new PointerByReference();
            assertTrue(k32.GetQueuedCompletionStatus(port, msg, key, overlapped, 1000));
            assertEquals(JOB_OBJECT_MSG_EXIT_PROCESS, msg.getValue());
            assertEquals(77, key.getValue().longValue());
            assertEquals(4711, Pointer.nativeValue(overlapped.getValue()));
        } finally {
            k32.CloseHandle(port);
            k32.CloseHandle(job);
        }
    }

    @Test
    void lastErrorCodesComeBackAfterEachCall() {
        String name = unique();
        HANDLE first = k32.CreateJobObjectW(null, new WString(name));
        try {
            assertNotNull(first);
            HANDLE second = k32.CreateJobObjectW(null, new WString(name));
            assertNotNull(second, "an existing name still returns a handle");
            assertEquals(ERROR_ALREADY_EXISTS, k32.lastError(), "and says so in the last error");
            k32.CloseHandle(second);

            Memory tooShort = new Memory(100);
            tooShort.clear();
            assertFalse(k32.SetInformationJobObject(first, JobObjectExtendedLimitInformation, tooShort, 100));
            assertEquals(24, k32.lastError(), "ERROR_BAD_LENGTH");

            var x = new JOBOBJECT_EXTENDED_LIMIT_INFORMATION();
            x.BasicLimitInformation.LimitFlags = 0x00100000;
            x.write();
            assertFalse(k32.SetInformationJobObject(first, JobObjectExtendedLimitInformation, x.getPointer(), x.size()));
            assertEquals(ERROR_INVALID_PARAMETER, k32.lastError());

            assertFalse(k32.TerminateJobObject(new HANDLE(new Pointer(0x7ffc)), 1));
            assertEquals(ERROR_INVALID_HANDLE, k32.lastError());

            assertNull(k32.OpenJobObjectW(JOB_OBJECT_ALL_ACCESS, false, new WString(unique())));
            assertEquals(ERROR_FILE_NOT_FOUND, k32.lastError());
        } finally {
            k32.CloseHandle(first);
        }
    }

    @Test
    void theBackendTurnsLastErrorsIntoClearRefusals() {
        String name = unique();
        try (Job job = Job.create(backend(), JobSpec.named(name))) {
            var e = assertThrows(JobException.class, () -> Job.create(backend(), JobSpec.named(name)));
            assertTrue(e.getMessage().contains("already exists"), e.getMessage());
            var refused = assertThrows(jobgov.job.LimitRefusedException.class, () -> job.setLimits("net-dscp=10"));
            assertTrue(refused.getMessage().contains("error 87"), refused.getMessage());
            assertEquals(JobLimits.NONE, job.limits());
        }
    }

    @Test
    void theProcessIdListGrowsOnMoreDataUntilEveryPidFits() {
        try (Job job = Job.create(backend(), JobSpec.named(unique()))) {
            controls.StandInAddProcesses(handleOf(job), 300, 10_000);
            assertEquals(LongStream.range(10_000, 10_300).boxed().toList(), job.pids());
        }
        HANDLE raw = k32.CreateJobObjectW(null, new WString(unique()));
        try {
            controls.StandInAddProcesses(raw, 5, 1);
            var list = new JobInformation.JOBOBJECT_BASIC_PROCESS_ID_LIST(2);
            assertFalse(k32.QueryInformationJobObject(raw, JobObjectBasicProcessIdList, list.getPointer(), list.size(), null));
            assertEquals(ERROR_MORE_DATA, k32.lastError());
            list.read();
            assertEquals(5, list.NumberOfAssignedProcesses);
            assertEquals(2, list.NumberOfProcessIdsInList);
            assertEquals(2, list.ProcessIdList[1].longValue());
        } finally {
            k32.CloseHandle(raw);
        }
    }

    @Test
    void eventsTravelThroughTheStandInPortToTheJobAndTerminatePassesTheExitCode() {
        List<JobEvent> events = new CopyOnWriteArrayList<>();
        WindowsBackend backend = backend();
        Job job = Job.create(backend, JobSpec.named(unique()));
        try {
            job.subscribe(events::add);
            job.assign(4711);
            await().atMost(Duration.ofSeconds(5)).until(() -> events.stream().anyMatch(e -> e instanceof JobEvent.NewProcess n && n.pid() == 4711));
            assertEquals(List.of(4711L), job.pids());
            HANDLE h = handleOf(job);
            job.terminate(3);
            assertEquals(3, controls.StandInTerminatedWith(h));
            await().atMost(Duration.ofSeconds(5)).until(() -> events.stream().anyMatch(e -> e instanceof JobEvent.ActiveProcessZero));
            assertTrue(events.stream().anyMatch(e -> e instanceof JobEvent.ProcessExited x && x.pid() == 4711), events.toString());
        } finally {
            job.close();
        }
        assertNull(backend.pump(), "the pump stopped with the last job");
    }

    @Test
    void aFunctionMissingFromTheLibraryIsARefusalNotACrash() {
        // The stand-in exports SetIoRateControlInformationJobObject; this view of it throws as JNA does for an
        // export that is missing (Windows before 10 1607).
        Kernel32Jobs missing = (Kernel32Jobs) java.lang.reflect.Proxy.newProxyInstance(Kernel32Jobs.class.getClassLoader(),
                new Class<?>[] {Kernel32Jobs.class}, (proxy, method, args) -> {
                    if (method.getName().equals("SetIoRateControlInformationJobObject")) {
                        throw new UnsatisfiedLinkError("Error looking up function 'SetIoRateControlInformationJobObject'");
                    }
                    try {
                        return method.isDefault() ? k32.lastError() : method.invoke(k32, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        try (Job job = Job.create(new WindowsBackend(() -> missing, "Windows 8.1", "6.3"), JobSpec.named(unique()))) {
            var e = assertThrows(jobgov.job.LimitRefusedException.class, () -> job.setLimits("io-iops=100"));
            assertEquals(jobgov.job.Limit.IO_RATE, e.limit());
            assertTrue(e.getMessage().contains("Windows 10 1607"), e.getMessage());
        }
    }

    /** The job's handle, read through the backend (tests only). */
    static HANDLE handleOf(Job job) {
        try {
            var f = Job.class.getDeclaredField("handle");
            f.setAccessible(true);
            return ((WindowsJob) f.get(job)).handle();
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }
}
