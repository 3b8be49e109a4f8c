package jobgov.windows;

import static jobgov.windows.JobConstants.*;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.LongStream;
import jobgov.job.BackendJob;
import jobgov.job.Job;
import jobgov.job.JobCounters;
import jobgov.job.JobEvent;
import jobgov.job.JobException;
import jobgov.job.JobLimits;
import jobgov.job.JobSpec;
import jobgov.job.Limit;
import jobgov.job.LimitRefusedException;
import jobgov.job.LimitSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The Windows backend's logic against {@link FakeKernel32}, a Java fake of kernel32: which calls it
 * makes, in which order, with which bytes. Proves nothing about the Windows kernel itself (the layout
 * and stand-in tests cover marshalling; the windows-it profile covers enforcement).
 */
class WindowsJobFakeKernel32Test {
    final FakeKernel32 fake = new FakeKernel32();
    final WindowsBackend backend = new WindowsBackend(() -> fake, "Windows 11", "10.0");
    final List<JobEvent> events = new CopyOnWriteArrayList<>();
    final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeJobs() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    Job job(String name, String limits) {
        Job j = Job.create(backend, new JobSpec(name, null, LimitSpec.apply(limits, JobLimits.NONE)));
        toClose.add(j);
        j.subscribe(events::add);
        return j;
    }

    static int intAt(byte[] b, int offset) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt(offset);
    }

    static long longAt(byte[] b, int offset) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(offset);
    }

    @Test
    void createNamesTheJobAssociatesThePortBeforeLimitsAndWritesTheExtendedLimits() {
        job("web", "memory=256m,processes=8,cpu=25%");
        FakeKernel32.Job j = fake.named.get("Local\\jobgov-web");
        assertNotNull(j, fake.named.keySet().toString());
        List<String> sets = fake.calls.stream().filter(c -> c.startsWith("SetInformationJobObject")).toList();
        assertEquals("SetInformationJobObject:" + JobObjectAssociateCompletionPortInformation, sets.get(0),
                "the port is associated while the job is still empty");
        byte[] x = j.info.get(JobObjectExtendedLimitInformation);
        assertEquals(144, x.length);
        assertEquals(JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE | JOB_OBJECT_LIMIT_JOB_MEMORY | JOB_OBJECT_LIMIT_ACTIVE_PROCESS, intAt(x, 16));
        assertEquals(8, intAt(x, 40));
        assertEquals(256L << 20, longAt(x, 120));
        byte[] cpu = j.info.get(JobObjectCpuRateControlInformation);
        assertEquals(JOB_OBJECT_CPU_RATE_CONTROL_ENABLE | JOB_OBJECT_CPU_RATE_CONTROL_HARD_CAP, intAt(cpu, 0));
        assertEquals(2500, intAt(cpu, 4));
    }

    @Test
    void anExistingJobObjectOfTheSameNameIsNotTakenOver() {
        job("dup", "");
        var e = assertThrows(JobException.class, () -> job("dup", ""));
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
    }

    @Test
    void aRejectedWriteRestoresThePreviousLimitsAndIsRefusedNamingTheLimit() {
        Job j = job("cpu", "memory=64m");
        fake.failures.put("SetInformationJobObject:" + JobObjectCpuRateControlInformation, ERROR_INVALID_PARAMETER);
        var e = assertThrows(LimitRefusedException.class, () -> j.setLimits("memory=128m,cpu-weight=5"));
        assertEquals(Limit.CPU_WEIGHT, e.limit());
        assertTrue(e.getMessage().contains("87"), e.getMessage());
        assertEquals(64L << 20, j.limits().jobMemoryBytes(), "the model keeps the old limits");
        byte[] x = fake.onlyJob().info.get(JobObjectExtendedLimitInformation);
        assertEquals(64L << 20, longAt(x, 120), "the kernel got the old memory limit back");
    }

    @Test
    void windowsOnlyLimitsGoToTheirInformationClasses() {
        job("ui", "ui-restrictions=desktop+exit-windows,net-dscp=46,memory-notify=1g,io-iops=100,die-on-unhandled-exception=true");
        FakeKernel32.Job j = fake.onlyJob();
        assertEquals(0x40 | 0x80, intAt(j.info.get(JobObjectBasicUIRestrictions), 0));
        byte[] net = j.info.get(JobObjectNetRateControlInformation);
        assertEquals(JOB_OBJECT_NET_RATE_CONTROL_ENABLE | JOB_OBJECT_NET_RATE_CONTROL_DSCP_TAG, intAt(net, 8));
        assertEquals(46, net[12]);
        byte[] n = j.info.get(JobObjectNotificationLimitInformation);
        assertEquals(JOB_OBJECT_LIMIT_JOB_MEMORY, intAt(n, 40));
        assertEquals(1L << 30, longAt(n, 24));
        assertEquals(100, longAt(j.info.get(-1), 0), "IO rate through SetIoRateControlInformationJobObject");
        assertTrue((intAt(j.info.get(JobObjectExtendedLimitInformation), 16) & JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION) != 0);
    }

    @Test
    void theProcessIdListGrowsAndRetriesOnMoreData() {
        Job j = job("many", "");
        FakeKernel32.Job k = fake.onlyJob();
        LongStream.range(1, 201).forEach(k.pids::add);
        List<Long> pids = j.pids();
        assertEquals(200, pids.size());
        long queries = fake.calls.stream().filter(c -> c.equals("QueryInformationJobObject:" + JobObjectBasicProcessIdList)).count();
        assertTrue(queries >= 2, "first answer was ERROR_MORE_DATA, then a bigger buffer: " + queries);
    }

    @Test
    void countersComeFromTheAccountingAndExtendedClasses() {
        Job j = job("count", "memory=64m");
        FakeKernel32.Job k = fake.onlyJob();
        k.pids.add(7L);
        JobCounters c = j.counters();
        assertEquals(2000, c.totalUserTimeMillis());
        assertEquals(1000, c.totalKernelTimeMillis());
        assertEquals(77, c.totalPageFaults());
        assertEquals(1, c.activeProcesses());
        assertEquals(5, c.readOperations());
        assertEquals(4096, c.readBytes());
        assertEquals(0, c.jobMemoryUsedBytes(), "from JobObjectMemoryUsageInformation");
        fake.failures.put("QueryInformationJobObject:" + JobObjectMemoryUsageInformation, ERROR_INVALID_PARAMETER);
        assertEquals(JobCounters.UNKNOWN, j.counters().jobMemoryUsedBytes(), "class 28 and violation queries failed: unknown, not 0");
    }

    @Test
    void messagesOnThePortBecomeEventsOfTheRightJob() {
        Job a = job("a", "");
        Job b = job("b", "");
        List<JobEvent> bEvents = new CopyOnWriteArrayList<>();
        b.subscribe(bEvents::add);
        fake.exitCodes.put(99L, 3);
        FakeKernel32.Job ka = fake.named.get("Local\\jobgov-a");
        ka.pids.add(99L);
        fake.post(ka, JOB_OBJECT_MSG_NEW_PROCESS, 99);
        fake.post(ka, JOB_OBJECT_MSG_EXIT_PROCESS, 99);
        await().atMost(Duration.ofSeconds(5)).until(() -> events.size() >= 2);
        assertInstanceOf(JobEvent.NewProcess.class, events.get(0));
        assertEquals(new JobEvent.ProcessExited(events.get(1).time(), 99, 3), events.get(1));
        assertTrue(bEvents.isEmpty(), "keyed per job");
        assertNotNull(a);
    }

    @Test
    void terminatePassesTheExitCode() {
        Job j = job("t", "");
        fake.onlyJob().pids.add(5L);
        j.terminate(137);
        assertEquals(137, fake.onlyJob().terminatedWith);
        await().atMost(Duration.ofSeconds(5)).until(() -> events.stream().anyMatch(e -> e instanceof JobEvent.ActiveProcessZero));
    }

    @Test
    void closeTerminatesThenClosesTheJobThenStopsThePumpThenClosesThePort() {
        Job j = job("order", "");
        j.close();
        List<String> c = fake.calls;
        int terminate = c.indexOf("TerminateJobObject:Local\\jobgov-order:1");
        int closeJob = c.indexOf("CloseHandle:job:Local\\jobgov-order");
        int wake = c.indexOf("PostQueuedCompletionStatus");
        int closePort = c.indexOf("CloseHandle:port");
        assertTrue(terminate >= 0 && terminate < closeJob && closeJob < wake && wake < closePort, c.toString());
        assertEquals(java.util.Map.of(), fake.open(), "no handle left open");
    }

    @Test
    void withoutKillOnCloseTheProcessesAreLeftRunning() {
        Job j = job("keep", "kill-on-close=false");
        j.close();
        assertFalse(fake.calls.stream().anyMatch(c -> c.startsWith("TerminateJobObject")), fake.calls.toString());
    }

    @Test
    void aJobHoldingThisJvmNeverTerminatesItOnCloseOrTerminate() {
        Job j = job("host", "");
        j.assign(FakeKernel32.SELF_PID);
        FakeKernel32.Job k = fake.onlyJob();
        assertTrue(k.pids.contains((long) FakeKernel32.SELF_PID));
        k.pids.add(11L);
        j.terminate(9);
        assertFalse(fake.calls.stream().anyMatch(c -> c.startsWith("TerminateJobObject")), "never the whole job");
        assertTrue(fake.calls.contains("TerminateProcess:11"));
        k.pids.add(12L);
        j.close();
        assertFalse(fake.calls.stream().anyMatch(c -> c.startsWith("TerminateJobObject")));
        assertTrue(fake.calls.contains("TerminateProcess:12"));
        int lastFlags = intAt(k.info.get(JobObjectExtendedLimitInformation), 16);
        assertEquals(0, lastFlags & JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE, "kill-on-close cleared before the handle closes");
    }

    @Test
    void aChildJobsProcessesJoinTheParentFirst() {
        Job parent = job("p", "memory=1g");
        Job child = parent.createChild(new JobSpec("c", null, LimitSpec.apply("memory=256m", JobLimits.NONE)));
        assertEquals("job object Local\\jobgov-p.c", child.location());
        fake.calls.clear();
        child.assign(31);
        assertEquals(List.of("AssignProcessToJobObject:Local\\jobgov-p", "AssignProcessToJobObject:Local\\jobgov-p.c"),
                fake.calls.stream().filter(c -> c.startsWith("Assign")).toList());
        parent.close();
        assertTrue(fake.calls.indexOf("CloseHandle:job:Local\\jobgov-p.c") < fake.calls.indexOf("CloseHandle:job:Local\\jobgov-p"),
                "children close first");
    }

    @Test
    void startOnWindows10PutsTheWholeJobChainInTheJobListAttribute() throws Exception {
        Job parent = job("s", "");
        Job child = parent.createChild(JobSpec.named("k"));
        Process p = child.start(new ProcessBuilder("app.exe", "a b").redirectOutput(ProcessBuilder.Redirect.DISCARD));
        assertEquals(0, fake.lastCreationFlags & CREATE_SUSPENDED);
        assertTrue((fake.lastCreationFlags & EXTENDED_STARTUPINFO_PRESENT) != 0);
        assertEquals("app.exe \"a b\"", fake.lastCommandLine);
        assertTrue(fake.calls.contains("UpdateProcThreadAttribute:0x2000d"), fake.calls.toString());
        assertFalse(fake.calls.contains("ResumeThread"));
        assertTrue(fake.named.get("Local\\jobgov-s").pids.contains(p.pid()));
        assertTrue(fake.named.get("Local\\jobgov-s.k").pids.contains(p.pid()));
        assertTrue(p.isAlive());
        p.destroy();
        assertEquals(1, p.waitFor());
    }

    @Test
    void startBeforeWindows10CreatesSuspendedAssignsThenResumes() {
        WindowsBackend win8 = new WindowsBackend(() -> fake, "Windows 8.1", "6.3");
        BackendJob j = win8.create(JobSpec.named("old"), e -> { });
        toClose.add(j);
        fake.calls.clear();
        Process p = j.start(new ProcessBuilder("app.exe"));
        assertTrue((fake.lastCreationFlags & CREATE_SUSPENDED) != 0);
        List<String> c = fake.calls;
        int create = c.indexOf("CreateProcessW");
        int assign = c.indexOf("AssignProcessToJobObject:Local\\jobgov-old");
        int resume = c.indexOf("ResumeThread");
        assertTrue(create < assign && assign < resume, c.toString());
        assertFalse(c.contains("UpdateProcThreadAttribute:0x2000d"));
        assertTrue(fake.onlyJob().pids.contains(p.pid()));
    }

    @Test
    void aFailedAssignEndsTheSuspendedProcessInsteadOfLettingItRunOutside() {
        WindowsBackend win8 = new WindowsBackend(() -> fake, "Windows 8.1", "6.3");
        BackendJob j = win8.create(JobSpec.named("fail"), e -> { });
        toClose.add(j);
        fake.failures.put("AssignProcessToJobObject", ERROR_ACCESS_DENIED);
        assertThrows(JobException.class, () -> j.start(new ProcessBuilder("app.exe")));
        assertTrue(fake.calls.stream().anyMatch(c -> c.startsWith("TerminateProcess:")));
        assertFalse(fake.calls.contains("ResumeThread"));
    }
}
