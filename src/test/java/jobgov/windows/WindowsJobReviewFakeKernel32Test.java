package jobgov.windows;

import static jobgov.windows.JobConstants.*;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.WString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import jobgov.job.BackendJob;
import jobgov.job.Job;
import jobgov.job.JobEvent;
import jobgov.job.JobLimits;
import jobgov.job.JobSpec;
import jobgov.job.Limit;
import jobgov.job.LimitRefusedException;
import jobgov.job.LimitSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The defects a review of the Windows backend against the Win32 documentation found (issue 13), and the
 * host's safety from its own job's per-process limits (issue 10), each shown against {@link FakeKernel32},
 * a Java fake of kernel32: it checks what the backend asks of kernel32, never what Windows does.
 */
class WindowsJobReviewFakeKernel32Test {
    final FakeKernel32 fake = new FakeKernel32();
    final WindowsBackend backend = new WindowsBackend(() -> fake, "Windows 11", "10.0");
    final List<JobEvent> events = new CopyOnWriteArrayList<>();
    final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeJobs() throws Exception {
        if (fake.queryGate != null) {
            fake.queryGate.countDown();
        }
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
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

    static byte[] memoryUsage(long used) {
        return ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(used).putLong(used).array();
    }

    /** Posts a marker under {@code j}'s key and waits for it: every message posted before has been handled. */
    void drained(FakeKernel32.Job j, List<JobEvent> seen) {
        long marker = 777_000 + seen.size();
        fake.post(j, JOB_OBJECT_MSG_NEW_PROCESS, marker);
        await().atMost(Duration.ofSeconds(10)).until(() -> seen.stream().anyMatch(e -> e instanceof JobEvent.NewProcess n && n.pid() == marker));
    }

    // ---- 1. closing an opened job ----

    @Test
    void closingAJobOpenedByNameNeverTerminatesItsProcesses() {
        Job created = job("shared", "");
        FakeKernel32.Job k = fake.onlyJob();
        k.pids.add(5L);
        BackendJob opened = backend.open("Local\\jobgov-shared", e -> { });
        assertTrue(((WindowsJob) opened).limits().killsOnClose(), "the kernel says kill-on-close");
        opened.close();
        assertFalse(fake.calls.stream().anyMatch(c -> c.startsWith("TerminateJobObject")), fake.calls.toString());
        assertTrue(k.pids.contains(5L), "our handle is gone, the job and its processes are not");
        created.close();
        assertTrue(fake.calls.contains("TerminateJobObject:Local\\jobgov-shared:1"), "the creator's close still ends them");
    }

    // ---- 3. CREATE_NO_WINDOW ----

    @Test
    void aChildSharesOurConsoleAndIsKeptWindowlessOnlyWhenWeHaveNone() {
        Job j = job("console", "");
        j.start(new ProcessBuilder("app.exe"));
        assertEquals(0, fake.lastCreationFlags & CREATE_NO_WINDOW, "with a console: no conhost.exe of its own in the job");
        fake.console = false;
        j.start(new ProcessBuilder("app.exe"));
        assertEquals(CREATE_NO_WINDOW, fake.lastCreationFlags & CREATE_NO_WINDOW, "without one, as the JDK: no window pops up");
    }

    // ---- 4. privileges ----

    @Test
    void highPriorityAWorkingSetMinimumAndSchedulingClassAboveFiveEnableTheBasePriorityPrivilegeFirst() {
        job("prio", "priority-class=high");
        int enable = fake.calls.indexOf("enablePrivilege:SeIncreaseBasePriorityPrivilege");
        int write = fake.calls.indexOf("SetInformationJobObject:" + JobObjectExtendedLimitInformation);
        assertTrue(enable >= 0 && enable < write, fake.calls.toString());
        fake.calls.clear();
        job("normal", "priority-class=above-normal,scheduling-class=5");
        assertFalse(fake.calls.stream().anyMatch(c -> c.startsWith("enablePrivilege")), "not needed: not asked for");
        job("ws", "min-working-set=1m,max-working-set=8m");
        job("sched", "scheduling-class=9");
        assertEquals(2, fake.calls.stream().filter(c -> c.startsWith("enablePrivilege")).count());
    }

    @Test
    void anAccountWithoutThePrivilegeGetsARefusalThatSaysSoAndNothingIsWritten() {
        fake.privilegeError = ERROR_NOT_ALL_ASSIGNED;
        var e = assertThrows(LimitRefusedException.class, () -> job("realtime", "priority-class=realtime"));
        assertEquals(Limit.PRIORITY_CLASS, e.limit());
        assertTrue(e.getMessage().contains("SeIncreaseBasePriorityPrivilege") && e.getMessage().contains("does not hold"), e.getMessage());
        assertFalse(fake.calls.contains("SetInformationJobObject:" + JobObjectExtendedLimitInformation), fake.calls.toString());
    }

    // ---- 5. pids without a handle ----

    @Test
    void terminateLeavesAPidThatNowBelongsToAStrangerAlone() {
        Job j = job("host", "");
        j.assign(FakeKernel32.SELF_PID);
        FakeKernel32.Job k = fake.onlyJob();
        k.pids.add(11L);
        fake.listedStrangers.add(13L); // listed, then exited; its pid went to a process outside the job
        fake.recycled.add(13L);
        j.terminate(9);
        assertTrue(fake.calls.contains("TerminateProcess:11"), fake.calls.toString());
        assertFalse(fake.calls.stream().anyMatch(c -> c.startsWith("TerminateProcess:stranger")), fake.calls.toString());
        k.pids.add(12L);
        j.close();
        assertTrue(fake.calls.contains("TerminateProcess:12"));
        assertFalse(fake.calls.stream().anyMatch(c -> c.startsWith("TerminateProcess:stranger")), "close takes the same path");
    }

    @Test
    void anExitCodeIsReadFromTheHandleHeldSinceTheProcessJoinedNotFromARecycledPid() {
        job("exit", "");
        FakeKernel32.Job k = fake.onlyJob();
        k.pids.add(99L);
        fake.post(k, JOB_OBJECT_MSG_NEW_PROCESS, 99);
        await().atMost(Duration.ofSeconds(10)).until(() -> events.stream().anyMatch(e -> e instanceof JobEvent.NewProcess));
        fake.exitCodes.put(99L, 3);
        fake.recycled.add(99L); // from now on, OpenProcess(99) finds somebody else, still running
        fake.post(k, JOB_OBJECT_MSG_EXIT_PROCESS, 99);
        JobEvent.ProcessExited x = (JobEvent.ProcessExited) await().atMost(Duration.ofSeconds(10)).until(
                () -> events.stream().filter(e -> e instanceof JobEvent.ProcessExited).findFirst().orElse(null), e -> e != null);
        assertEquals(3, x.exitCode());
        assertEquals(0, (int) fake.open().getOrDefault("Proc", 0), "the held handle is closed after the exit");
    }

    // ---- 6. nested jobs' messages ----

    @Test
    void aNestedJobsMemoryLimitIsReportedByTheNestedJobOnlyWithItsOwnLimit() {
        Job parent = job("p", "memory=1g");
        List<JobEvent> childEvents = new CopyOnWriteArrayList<>();
        Job child = parent.createChild(new JobSpec("c", null, LimitSpec.apply("memory=256m", JobLimits.NONE)));
        child.subscribe(childEvents::add);
        child.assign(31);
        FakeKernel32.Job kp = fake.named.get("Local\\jobgov-p");
        FakeKernel32.Job kc = fake.named.get("Local\\jobgov-p.c");
        kc.info.put(JobObjectMemoryUsageInformation, memoryUsage(250L << 20));
        kp.info.put(JobObjectMemoryUsageInformation, memoryUsage(250L << 20));
        fake.post(kc, JOB_OBJECT_MSG_JOB_MEMORY_LIMIT, 31); // the kernel posts it up the chain:
        fake.post(kp, JOB_OBJECT_MSG_JOB_MEMORY_LIMIT, 31);
        drained(kp, events);
        drained(kc, childEvents);
        assertFalse(events.stream().anyMatch(e -> e instanceof JobEvent.JobMemoryLimit), "not the parent's: " + events);
        List<JobEvent> mine = childEvents.stream().filter(e -> e instanceof JobEvent.JobMemoryLimit).toList();
        assertEquals(1, mine.size(), childEvents.toString());
        assertEquals(256L << 20, ((JobEvent.JobMemoryLimit) mine.get(0)).limitBytes());
        assertEquals(250L << 20, ((JobEvent.JobMemoryLimit) mine.get(0)).usageBytes(), "from JobObjectMemoryUsageInformation");
    }

    @Test
    void theParentsOwnMemoryLimitIsStillTheParentsWhenAProcessOfTheNestedJobHitsIt() {
        Job parent = job("p", "memory=1g");
        List<JobEvent> childEvents = new CopyOnWriteArrayList<>();
        Job child = parent.createChild(new JobSpec("c", null, LimitSpec.apply("memory=256m", JobLimits.NONE)));
        child.subscribe(childEvents::add);
        child.assign(31);
        FakeKernel32.Job kp = fake.named.get("Local\\jobgov-p");
        FakeKernel32.Job kc = fake.named.get("Local\\jobgov-p.c");
        kc.info.put(JobObjectMemoryUsageInformation, memoryUsage(10L << 20));
        kp.info.put(JobObjectMemoryUsageInformation, memoryUsage((1L << 30) - (1L << 20))); // 1 MiB left
        fake.post(kp, JOB_OBJECT_MSG_JOB_MEMORY_LIMIT, 31);
        fake.post(kc, JOB_OBJECT_MSG_JOB_MEMORY_LIMIT, 31);
        drained(kp, events);
        drained(kc, childEvents);
        assertTrue(events.stream().anyMatch(e -> e instanceof JobEvent.JobMemoryLimit m && m.limitBytes() == 1L << 30), events.toString());
        assertFalse(childEvents.stream().anyMatch(e -> e instanceof JobEvent.JobMemoryLimit), childEvents.toString());
    }

    @Test
    void aLimitMessageForALimitThisJobDoesNotHaveIsANestedJobsAndDropped() {
        Job parent = job("p", "");
        Job child = parent.createChild(new JobSpec("c", null, LimitSpec.apply("processes=2,process-time=5s", JobLimits.NONE)));
        assertNotNull(child);
        FakeKernel32.Job kp = fake.named.get("Local\\jobgov-p");
        fake.post(kp, JOB_OBJECT_MSG_ACTIVE_PROCESS_LIMIT, 0);
        fake.post(kp, JOB_OBJECT_MSG_END_OF_PROCESS_TIME, 31);
        drained(kp, events);
        assertFalse(events.stream().anyMatch(e -> e instanceof JobEvent.ActiveProcessLimit || e instanceof JobEvent.EndOfProcessTime),
                events.toString());
    }

    // ---- 7. UI restrictions and nesting ----

    @Test
    void uiRestrictionsAreRefusedOnANestedJob() {
        Job parent = job("p", "");
        var e = assertThrows(LimitRefusedException.class,
                () -> parent.createChild(new JobSpec("c", null, LimitSpec.apply("ui-restrictions=desktop", JobLimits.NONE))));
        assertEquals(Limit.UI_RESTRICTIONS, e.limit());
        assertTrue(e.getMessage().contains("nested"), e.getMessage());
    }

    @Test
    void aJvmAlreadyInAJobClaimsNoUiRestrictionsAndRefusesThem() {
        fake.CreateJobObjectW(null, new WString("CI-runner-job")).getPointer();
        fake.named.get("CI-runner-job").pids.add((long) FakeKernel32.SELF_PID);
        assertFalse(backend.capabilities().contains(Limit.UI_RESTRICTIONS));
        var e = assertThrows(LimitRefusedException.class, () -> job("ui", "ui-restrictions=desktop"));
        assertTrue(e.getMessage().contains("inside a job"), e.getMessage());
    }

    // ---- 8. processor groups ----

    @Test
    void onTwoProcessorGroupsTheAffinityIsWrittenPerGroup() {
        fake.processorGroups = new int[] {40, 40};
        job("groups", "affinity=39-40");
        FakeKernel32.Job k = fake.onlyJob();
        byte[] g = k.info.get(JobObjectGroupInformationEx);
        assertNotNull(g, "JobObjectGroupInformationEx written");
        assertEquals(32, g.length, "two GROUP_AFFINITY entries");
        assertEquals(1L << 39, longAt(g, 0));
        assertEquals(0, g[8]);
        assertEquals(1L, longAt(g, 16), "CPU 40 is the first processor of group 1");
        assertEquals(1, g[24]);
        assertEquals(0, intAt(k.info.get(JobObjectExtendedLimitInformation), 16) & JOB_OBJECT_LIMIT_AFFINITY,
                "no group-0 mask in the basic limits");
        var e = assertThrows(LimitRefusedException.class, () -> job("none", "affinity=80-81"));
        assertEquals(Limit.AFFINITY, e.limit());
    }

    // ---- 9. the handle after close ----

    @Test
    void closeWaitsForAQueryInFlightBeforeClosingTheHandle() throws Exception {
        Job j = job("race", "");
        fake.queryGate = new CountDownLatch(1);
        AtomicReference<Throwable> pidsFailed = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            try {
                j.pids();
            } catch (Throwable t) {
                pidsFailed.set(t);
            }
        });
        reader.start();
        assertTrue(fake.queryEntered.await(10, java.util.concurrent.TimeUnit.SECONDS));
        Thread closer = new Thread(j::close);
        closer.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> closer.getState() == Thread.State.WAITING || !closer.isAlive());
        fake.queryGate.countDown();
        reader.join(10_000);
        closer.join(10_000);
        assertNull(fake.closedWhileInUse, fake.closedWhileInUse);
        assertNull(pidsFailed.get());
        int before = fake.calls.size();
        try {
            j.pids();
        } catch (RuntimeException closed) {
            // refused: what a closed job should do
        }
        assertFalse(fake.calls.subList(before, fake.calls.size()).stream().anyMatch(c -> c.startsWith("QueryInformationJobObject")),
                "a closed job never queries its dead handle");
    }

    // ---- 10. smaller ----

    @Test
    void capabilitiesFollowTheWindowsVersionAndBuild() {
        fake.build = 10240; // Windows 10 1507
        var win10 = new WindowsBackend(() -> fake, "Windows 10", "10.0");
        assertTrue(win10.capabilities().contains(Limit.CPU_MIN_MAX));
        assertFalse(win10.capabilities().contains(Limit.NET_RATE));
        assertFalse(win10.capabilities().contains(Limit.IO_RATE));
        assertTrue(win10.refusalReason(Limit.IO_RATE).contains("1607"), win10.refusalReason(Limit.IO_RATE));
        var win81 = new WindowsBackend(() -> fake, "Windows 8.1", "6.3");
        assertFalse(win81.capabilities().contains(Limit.CPU_MIN_MAX));
        fake.build = 14393;
        assertTrue(new WindowsBackend(() -> fake, "Windows 10", "10.0").capabilities().contains(Limit.IO_RATE));
    }

    @Test
    void theActiveProcessLimitMessageCarriesNoPid() {
        job("procs", "processes=2");
        fake.post(fake.onlyJob(), JOB_OBJECT_MSG_ACTIVE_PROCESS_LIMIT, 0x5eed);
        JobEvent.ActiveProcessLimit a = (JobEvent.ActiveProcessLimit) await().atMost(Duration.ofSeconds(10)).until(
                () -> events.stream().filter(e -> e instanceof JobEvent.ActiveProcessLimit).findFirst().orElse(null), e -> e != null);
        assertEquals(0, a.pid(), "lpOverlapped is not a pid for this message");
    }

    @Test
    void closingTheLastJobFromItsOwnListenerEndsThePumpWithoutItWaitingForItself() {
        Job j = job("self-close", "");
        Thread[] pump = new Thread[1];
        CountDownLatch closing = new CountDownLatch(1);
        j.subscribe(e -> {
            pump[0] = Thread.currentThread();
            closing.countDown();
            j.close();
        });
        fake.post(fake.onlyJob(), JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO, 0);
        await().atMost(Duration.ofSeconds(10)).until(() -> closing.getCount() == 0);
        await().atMost(Duration.ofSeconds(10)).until(() -> pump[0].getState() == Thread.State.TIMED_WAITING || !pump[0].isAlive());
        assertFalse(pump[0].isAlive(), "the pump thread ended instead of joining itself: " + java.util.Arrays.toString(pump[0].getStackTrace()));
        assertTrue(fake.calls.contains("CloseHandle:port"));
    }

    @Test
    void theEndOfJobTimeActionIsWrittenBeforeTheTimeLimit() {
        job("eoj", "job-time=10s,job-time-action=post");
        int action = fake.calls.indexOf("SetInformationJobObject:" + JobObjectEndOfJobTimeInformation);
        int limit = fake.calls.indexOf("SetInformationJobObject:" + JobObjectExtendedLimitInformation);
        assertTrue(action >= 0 && action < limit, fake.calls.toString());
    }

    @Test
    void theExtendedLimitsAreReadModifiedAndWrittenKeepingFlagsTheModelDoesNotKnow() {
        Job j = job("rmw", "memory=64m");
        FakeKernel32.Job k = fake.onlyJob();
        byte[] x = k.info.get(JobObjectExtendedLimitInformation).clone();
        ByteBuffer.wrap(x).order(ByteOrder.LITTLE_ENDIAN).putInt(16, intAt(x, 16) | JOB_OBJECT_LIMIT_SUBSET_AFFINITY);
        k.info.put(JobObjectExtendedLimitInformation, x); // set by another holder of the job
        j.setLimits("memory=128m");
        byte[] after = k.info.get(JobObjectExtendedLimitInformation);
        assertEquals(JOB_OBJECT_LIMIT_SUBSET_AFFINITY, intAt(after, 16) & JOB_OBJECT_LIMIT_SUBSET_AFFINITY);
        assertEquals(128L << 20, longAt(after, 120));
    }

    @Test
    void a32BitJvmIsRefused() {
        var x86 = new WindowsBackend(() -> fake, "Windows 11", "10.0", "x86");
        assertTrue(x86.unavailableReason().orElseThrow().contains("64-bit"), x86.unavailableReason().toString());
        assertTrue(new WindowsBackend(() -> fake, "Windows 11", "10.0", "amd64").unavailableReason().isEmpty());
    }

    // ---- issue 10: per-process limits and the host ----

    @Test
    void perProcessLimitsAreRefusedOnAJobThatHoldsThisJvmAndNothingIsWritten() {
        Job j = job("host", "memory=1g");
        j.assign(FakeKernel32.SELF_PID);
        fake.calls.clear();
        for (String l : List.of("process-memory=256m", "process-time=2s")) {
            var e = assertThrows(LimitRefusedException.class, () -> j.setLimits(l));
            assertTrue(e.getMessage().contains("governing JVM") && e.getMessage().contains("child job"), e.getMessage());
        }
        assertFalse(fake.calls.stream().anyMatch(c -> c.startsWith("SetInformationJobObject")), fake.calls.toString());
        assertNull(j.limits().processMemoryBytes());
    }

    @Test
    void thisJvmDoesNotJoinAChainThatCarriesAPerProcessLimit() {
        Job parent = job("pp", "process-time=2s");
        Job child = parent.createChild(JobSpec.named("c"));
        var e = assertThrows(LimitRefusedException.class, () -> child.assign(FakeKernel32.SELF_PID));
        assertEquals(Limit.PROCESS_TIME, e.limit());
        assertTrue(fake.named.values().stream().noneMatch(k -> k.pids.contains((long) FakeKernel32.SELF_PID)), "not assigned anywhere");
    }

    @Test
    void perProcessLimitsOnANestedJobThatHoldsTheChildrenLeaveTheHostInTheParentAlone() {
        Job parent = job("host", "memory=1g");
        parent.assign(FakeKernel32.SELF_PID);
        Job children = parent.createChild(new JobSpec("kids", null, LimitSpec.apply("process-memory=256m", JobLimits.NONE)));
        assertEquals(256L << 20, children.limits().processMemoryBytes());
        assertFalse(fake.named.get("Local\\jobgov-host.kids").pids.contains((long) FakeKernel32.SELF_PID));
    }

    @Test
    void aTerminatingJobTimeLimitIsPostOnlyForTheKernelWhileThisJvmIsInsideAndEndsOnlyTheOthers() {
        Job j = job("jt", "job-time=10s");
        FakeKernel32.Job k = fake.onlyJob();
        assertEquals(JOB_OBJECT_TERMINATE_AT_END_OF_JOB, intAt(k.info.get(JobObjectEndOfJobTimeInformation), 0));
        j.assign(FakeKernel32.SELF_PID);
        assertEquals(JOB_OBJECT_POST_AT_END_OF_JOB, intAt(k.info.get(JobObjectEndOfJobTimeInformation), 0),
                "the kernel would end this JVM with the others");
        k.pids.add(21L);
        fake.post(k, JOB_OBJECT_MSG_END_OF_JOB_TIME, 0);
        await().atMost(Duration.ofSeconds(10)).until(() -> fake.calls.contains("TerminateProcess:21"));
        assertFalse(fake.calls.stream().anyMatch(c -> c.startsWith("TerminateJobObject")));
        assertTrue(k.pids.contains((long) FakeKernel32.SELF_PID));
    }
}
