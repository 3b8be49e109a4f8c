package jobgov.policy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.ref.WeakReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.management.MBeanServer;
import javax.management.Notification;
import javax.management.NotificationListener;
import javax.management.ObjectName;
import jobgov.job.Job;
import jobgov.job.JobEvent;
import jobgov.job.JobLimits;
import jobgov.job.LimitSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The policy engine's own logic: the DSL, compile errors, handler failures, time and allocation
 * budgets, the bounded queue, reload. The job is {@link EventOnlyJobDouble} (a test double that only
 * delivers events); what policies do to real processes is tested against the kernel in PolicyLibraryTest.
 * Every counter is read from the platform MBeanServer, as a JMX client would.
 */
class PolicyEngineTest {
    private static final MBeanServer SERVER = ManagementFactory.getPlatformMBeanServer();

    @TempDir
    Path dir;

    private final EventOnlyJobDouble backend = EventOnlyJobDouble.create();
    private final String name = "jobgov-test-" + UUID.randomUUID().toString().substring(0, 8);
    private final List<AutoCloseable> cleanup = new CopyOnWriteArrayList<>();
    private Job job;

    @AfterEach
    void close() throws Exception {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            cleanup.get(i).close();
        }
    }

    private Job job() {
        if (job == null) {
            job = backend.job(name);
            cleanup.add(job);
        }
        return job;
    }

    private Path policy(String fileName, String text) throws IOException {
        Path p = dir.resolve(fileName);
        Files.writeString(p, text);
        return p;
    }

    private PolicyRuntime load(Path file, String... options) {
        Map<String, String> o = new java.util.HashMap<>();
        for (int i = 0; i < options.length; i += 2) {
            o.put(options[i], options[i + 1]);
        }
        PolicyRuntime r = PolicyRuntime.load(file, job(), o);
        cleanup.add(r);
        return r;
    }

    private ObjectName policyMBean() throws Exception {
        return new ObjectName("jobgov:type=Policy,name=" + name);
    }

    private long attr(String attribute) throws Exception {
        return ((Number) SERVER.getAttribute(policyMBean(), attribute)).longValue();
    }

    private String text(String attribute) throws Exception {
        return String.valueOf(SERVER.getAttribute(policyMBean(), attribute));
    }

    private List<Notification> listen(String type) throws Exception {
        List<Notification> seen = new CopyOnWriteArrayList<>();
        NotificationListener l = (n, hb) -> {
            if (n.getType().equals(type)) {
                seen.add(n);
            }
        };
        SERVER.addNotificationListener(policyMBean(), l, null, null);
        cleanup.add(() -> {
            if (SERVER.isRegistered(policyMBean())) {
                SERVER.removeNotificationListener(policyMBean(), l);
            }
        });
        return seen;
    }

    private static JobEvent.ProcessExited exited(long pid, int code) {
        return new JobEvent.ProcessExited(Instant.now(), pid, code);
    }

    @Test
    void jobBlockAppliesEveryLimitAsOneValueAndHandlersSeeEventFields() throws Exception {
        Path p = policy("basic.groovy", """
                job {
                    memory '512m'
                    processes 64
                    cpu '50%'
                    killOnClose true
                    processTime '30s'
                    memoryNotify '400m'
                }
                on(ProcessExited) { e -> if (e.exitCode != 0) notify "pid ${e.pid} exited ${e.exitCode} (${event.type()})" }
                """);
        load(p);
        assertEquals(LimitSpec.parse("memory=512m,processes=64,cpu=50%,kill-on-close=true,process-time=30s,memory-notify=400m"),
                backend.applied());
        List<Notification> messages = listen("jobgov.policy.message");
        backend.fire(exited(4242, 3));
        backend.fire(exited(4243, 0));
        await().atMost(Duration.ofSeconds(10)).until(() -> attr("HandlersRun") == 2);
        assertEquals(1, messages.size());
        assertEquals("pid 4242 exited 3 (jobgov.process.exit)", messages.get(0).getMessage());
        assertEquals("jobgov.process.exit", messages.get(0).getUserData());
        assertEquals(0, attr("HandlerErrors"));
        assertEquals(p.toAbsolutePath().toString(), text("File"));
    }

    @Test
    void handlersRunOnThePolicysDaemonThreadNotOnTheEventPump() throws Exception {
        Path p = policy("thread.groovy", """
                on(JobEvent) { notify "${Thread.currentThread().name} daemon=${Thread.currentThread().daemon}" }
                """);
        load(p);
        List<Notification> messages = listen("jobgov.policy.message");
        backend.fire(new JobEvent.ActiveProcessZero(Instant.now()));
        await().atMost(Duration.ofSeconds(10)).until(() -> messages.size() == 1);
        String msg = messages.get(0).getMessage();
        assertTrue(msg.startsWith("jobgov-policy-" + name), msg);
        assertTrue(msg.endsWith("daemon=true"), msg);
        assertFalse(msg.contains(Thread.currentThread().getName()), msg);
    }

    @Test
    void aSyntaxErrorNamesFileLineAndColumnAndLeavesNothingBehind() throws Exception {
        Path p = policy("broken.groovy", """
                job { memory '64m' }
                on(ProcessExited) { e ->
                    if (e.exitCode != 0 {
                        job.terminate()
                    }
                }
                """);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> load(p));
        assertTrue(e.getMessage().matches("\\Q" + p + "\\E:[23]:\\d+: Unexpected input: .+"), e.getMessage());
        Path unresolved = policy("unresolved.groovy", "job { memory '64m' }\n\nStrin name = 'x'\n");
        e = assertThrows(IllegalArgumentException.class, () -> load(unresolved));
        assertTrue(e.getMessage().startsWith(unresolved + ":3:7: unable to resolve class Strin"), e.getMessage());
        assertFalse(SERVER.isRegistered(policyMBean()), "no MBean for a policy that did not load");
        assertEquals(JobLimits.NONE, backend.applied(), "no limit applied");
        assertTrue(Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().startsWith("jobgov-policy-" + name)));
    }

    @Test
    void anUnknownLimitOrAFailingTopLevelRefusesTheLoadWithTheLine() throws Exception {
        Path unknown = policy("unknown.groovy", "job {\n  memory '64m'\n  memroy '1g'\n}\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> load(unknown));
        assertTrue(e.getMessage().contains("unknown.groovy:3") && e.getMessage().contains("unknown limit 'memroy'"), e.getMessage());
        Path failing = policy("failing.groovy", "def x = 1\nx = x / 0\n");
        e = assertThrows(IllegalArgumentException.class, () -> load(failing));
        assertTrue(e.getMessage().contains("failing.groovy:2") && e.getMessage().contains("ArithmeticException"), e.getMessage());
        assertEquals(JobLimits.NONE, backend.applied());
    }

    @Test
    void anExceptionInAHandlerIsCountedWithItsLineAndTheNextEventsAreStillHandled() throws Exception {
        Path p = policy("throws.groovy", """
                on(ProcessExited) { e ->
                    if (e.pid == 1) {
                        throw new IllegalStateException("boom")
                    }
                    notify "ok ${e.pid}"
                }
                """);
        load(p);
        List<Notification> messages = listen("jobgov.policy.message");
        List<Notification> errors = listen("jobgov.policy.error");
        backend.fire(exited(1, 1));
        backend.fire(exited(2, 0));
        await().atMost(Duration.ofSeconds(10)).until(() -> messages.size() == 1);
        assertEquals("ok 2", messages.get(0).getMessage());
        assertEquals(1, attr("HandlerErrors"));
        assertEquals(2, attr("HandlersRun"));
        String last = text("LastError");
        assertTrue(last.contains("on(ProcessExited) at throws.groovy:1") && last.contains("failed at throws.groovy:3")
                && last.contains("boom"), last);
        assertEquals(1, errors.size());
    }

    @Test
    void anEndlessHandlerIsInterruptedAfterItsBudgetAndTheNextEventsAreStillHandled() throws Exception {
        Path p = policy("loop.groovy", """
                on(ProcessExited) { e ->
                    if (e.pid == 1) {
                        long n = 0
                        while (true) { n++ }
                    }
                    notify "after ${e.pid}"
                }
                """);
        // The loop boxes its counter, so on a fast machine it could reach the default allocation budget
        // before 300 ms; lift that budget (to the most allowed) so this test is about the time budget alone.
        load(p, "budget", "300ms", "allocation", "50%");
        List<Notification> messages = listen("jobgov.policy.message");
        long start = System.nanoTime();
        backend.fire(exited(1, 0));
        backend.fire(exited(2, 0));
        await().atMost(Duration.ofSeconds(10)).until(() -> messages.size() == 1);
        long tookMillis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(tookMillis < 5000, "the loop was stopped near its 300ms budget, took " + tookMillis + "ms");
        assertEquals(1, attr("HandlersTimedOut"));
        assertEquals(0, attr("HandlerThreadsAbandoned"), "ThreadInterrupt stopped the loop; no thread left behind");
        assertTrue(text("LastError").contains("interrupted at loop.groovy:4"), text("LastError"));
        assertEquals(300, attr("BudgetMillis"));
    }

    @Test
    void aHandlerThatIgnoresItsInterruptIsAbandonedAndANewThreadTakesOver() throws Exception {
        Path p = policy("stuck.groovy", """
                def lock = new Object()
                on(ProcessExited) { e ->
                    if (e.pid == 1) {
                        Thread.startDaemon { synchronized (lock) { Thread.sleep(6000) } }
                        Thread.sleep(100)
                        // Waiting for a monitor cannot be interrupted: the handler overstays its budget.
                        synchronized (lock) { }
                    }
                    notify "after ${e.pid}"
                }
                """);
        // 1.5 s, so that even a cold first call on a loaded machine reaches the monitor within its budget
        load(p, "budget", "1500ms");
        List<Notification> messages = listen("jobgov.policy.message");
        backend.fire(exited(0, 0)); // warms the handler's code path
        await().atMost(Duration.ofSeconds(20)).until(() -> messages.size() == 1);
        messages.clear();
        backend.fire(exited(1, 0));
        backend.fire(exited(2, 0));
        await().atMost(Duration.ofSeconds(20)).until(() -> messages.size() == 2);
        assertEquals(List.of("after 2", "after 1"), messages.stream().map(Notification::getMessage).toList(),
                "the next event ran on a new thread while the stuck one still waited");
        assertEquals(1, attr("HandlersTimedOut"));
        assertEquals(1, attr("HandlerThreadsAbandoned"));
    }

    @Test
    void aFloodOfEventsIsQueuedBoundedlyAndEveryDropIsCounted() throws Exception {
        Path p = policy("slow.groovy", """
                on(ProcessExited) { e -> Thread.sleep(20) }
                """);
        load(p, "queue", "8");
        int fired = 500;
        for (int i = 0; i < fired; i++) {
            backend.fire(exited(1000 + i, 0));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> attr("EventsQueued") == 0 && attr("HandlersRun") == attr("EventsDelivered"));
        long dropped = attr("EventsDropped");
        long delivered = attr("EventsDelivered");
        assertTrue(dropped > 0, "a 20ms handler cannot keep up with 500 events fired at once");
        assertEquals(fired, dropped + delivered, "every event is either delivered or counted as dropped");
        assertEquals(8, attr("QueueCapacity"));
        assertEquals(0, attr("HandlerErrors"));
    }

    @Test
    void aHandlerAllocatingWithoutEndIsStoppedAndTheHostKeepsItsHeap() throws Exception {
        Path p = policy("hog.groovy", """
                def hoard = []
                on(ProcessExited) { e ->
                    if (e.pid == 1) {
                        while (true) { hoard << new byte[1 << 20] }
                    }
                    hoard.clear()
                    notify "after ${e.pid}"
                }
                """);
        load(p, "budget", "30s", "allocation", "64m");
        List<Notification> messages = listen("jobgov.policy.message");
        backend.fire(exited(1, 0));
        backend.fire(exited(2, 0));
        await().atMost(Duration.ofSeconds(20)).until(() -> messages.size() == 1);
        assertEquals(1, attr("HandlerErrors"));
        assertEquals(0, attr("HandlersTimedOut"), "stopped by its allocation, long before the 30s budget");
        assertTrue(text("LastError").contains("allocation budget") && text("LastError").contains("hog.groovy:4"), text("LastError"));
        byte[] stillFine = new byte[32 << 20];
        assertEquals(32 << 20, stillFine.length);
    }

    @Test
    void aHandlerStoppedTwiceForItsAllocationIsDisabledAndTheOthersRunOn() throws Exception {
        Path p = policy("hoarder.groovy", """
                def hoard = []
                on(ProcessExited) { e ->
                    while (true) { hoard << new byte[1 << 20] }
                }
                on(ProcessExited) { e -> notify "seen ${e.pid}" }
                """);
        load(p, "allocation", "16m");
        List<Notification> messages = listen("jobgov.policy.message");
        for (int pid = 1; pid <= 5; pid++) {
            backend.fire(exited(pid, 0));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> messages.size() == 5 && ((String[]) SERVER.getAttribute(policyMBean(), "DisabledHandlers")).length == 1);
        await().atMost(Duration.ofSeconds(20)).until(() -> attr("EventsQueued") == 0);
        assertEquals(2, attr("HandlerErrors"), "stopped twice, then disabled: events 3 to 5 never reached it");
        String[] disabled = (String[]) SERVER.getAttribute(policyMBean(), "DisabledHandlers");
        assertTrue(disabled[0].contains("on(ProcessExited) at hoarder.groovy:2") && disabled[0].contains("allocation budget"), disabled[0]);
        assertTrue(text("LastError").contains("disabled"), text("LastError"));
        assertEquals("", text("Disabled"), "the policy itself runs on");
        backend.fire(exited(6, 0));
        await().atMost(Duration.ofSeconds(10)).until(() -> messages.size() == 6);
        assertEquals(16 << 20, attr("AllocationBudgetBytes"));
    }

    @Test
    void theDefaultAllocationBudgetIsASixteenthOfTheHeapAtMost() throws Exception {
        load(policy("quiet.groovy", "on(ProcessExited) { }\n"));
        long heap = Runtime.getRuntime().maxMemory();
        assertEquals(Math.min(256L << 20, heap / 16), attr("AllocationBudgetBytes"));
        Path p = policy("q2.groovy", "on(ProcessExited) { }\n");
        IllegalArgumentException tooMuch = assertThrows(IllegalArgumentException.class,
                () -> PolicyRuntime.load(p, job(), Map.of("name", name + "-2", "allocation", "64g")));
        assertTrue(tooMuch.getMessage().contains("allocation=64g") && tooMuch.getMessage().contains("half"), tooMuch.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PolicyRuntime.load(p, job(), Map.of("name", name + "-3", "allocation", "80%")));
        assertFalse(SERVER.isRegistered(new ObjectName("jobgov:type=Policy,name=" + name + "-2")));
    }

    @Test
    void oneEndlessHandlerDoesNotStarveTheOthers() throws Exception {
        Path p = policy("starve.groovy", """
                on(ProcessExited) { e -> if (e.pid == 1) { notify "looping"; while (true) { } } }
                on(ProcessExited) { e -> if (e.pid == 2) notify "other handler ${e.pid}" }
                every('50ms') { notify "tick" }
                """);
        load(p, "budget", "60s");
        List<Notification> messages = listen("jobgov.policy.message");
        backend.fire(exited(1, 0));
        await().atMost(Duration.ofSeconds(10)).until(() -> messages.stream().anyMatch(n -> n.getMessage().equals("looping")));
        long ticksBefore = messages.stream().filter(n -> n.getMessage().equals("tick")).count();
        backend.fire(exited(2, 0));
        await().atMost(Duration.ofSeconds(30)).until(() -> messages.stream().filter(n -> n.getMessage().equals("tick")).count() >= ticksBefore + 20
                && messages.stream().anyMatch(n -> n.getMessage().equals("other handler 2")));
        assertEquals(0, attr("HandlersTimedOut"), "the endless handler was still in its loop (60s budget) the whole time");
        assertEquals(0, attr("HandlerErrors"), text("LastError"));
    }

    @Test
    void anEmptyLoopRunsIntoTheTimeBudgetNotTheAllocationBudget() throws Exception {
        // The woven check itself must not allocate: Groovy's ConditionalInterrupt built a closure per check, and
        // this loop went past 8m within a fraction of its 2 s.
        Path p = policy("spin.groovy", "on(ProcessExited) { while (true) { } }\n");
        load(p, "budget", "2s", "allocation", "8m");
        backend.fire(exited(1, 0));
        await().atMost(Duration.ofSeconds(20)).until(() -> attr("HandlerErrors") == 1);
        assertEquals(1, attr("HandlersTimedOut"), text("LastError"));
        assertTrue(text("LastError").contains("time budget of 2s"), text("LastError"));
    }

    @Test
    void groovysSleepInAPolicyEndsAtTheBudgetInsteadOfAbandoningItsThread() throws Exception {
        Path p = policy("sleepy.groovy", """
                on(ProcessExited) { e -> if (e.pid == 1) sleep(Long.MAX_VALUE); notify "after ${e.pid}" }
                """);
        load(p, "budget", "200ms");
        List<Notification> messages = listen("jobgov.policy.message");
        backend.fire(exited(1, 0));
        backend.fire(exited(2, 0));
        await().atMost(Duration.ofSeconds(10)).until(() -> messages.size() == 1);
        assertEquals(1, attr("HandlersTimedOut"));
        assertEquals(1, attr("HandlerErrors"), "a timeout is a fault too");
        assertEquals(0, attr("HandlerThreadsAbandoned"));
    }

    @Test
    void aHandlerThatKeepsIgnoringItsInterruptIsDisabledAfterThreeAbandonedThreads() throws Exception {
        Path p = policy("stubborn.groovy", """
                on(ProcessExited) { e ->
                    while (true) { try { Thread.sleep(60000) } catch (InterruptedException ignored) { } }
                }
                on(ProcessExited) { e -> notify "seen ${e.pid}" }
                """);
        load(p, "budget", "100ms");
        List<Notification> messages = listen("jobgov.policy.message");
        for (int pid = 1; pid <= 5; pid++) {
            backend.fire(exited(pid, 0));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> ((String[]) SERVER.getAttribute(policyMBean(), "DisabledHandlers")).length == 1);
        assertEquals(3, attr("HandlerThreadsAbandoned"));
        assertEquals(3, attr("HandlerThreadsStuck"));
        String[] disabled = (String[]) SERVER.getAttribute(policyMBean(), "DisabledHandlers");
        assertTrue(disabled[0].contains("stubborn.groovy:1") && disabled[0].contains("abandoned 3 threads"), disabled[0]);
        await().atMost(Duration.ofSeconds(10)).until(() -> messages.size() == 5);
        backend.fire(exited(6, 0));
        await().atMost(Duration.ofSeconds(10)).until(() -> messages.size() == 6);
        assertEquals(3, attr("HandlerThreadsAbandoned"), "a disabled handler takes no more calls, so no more threads");
    }

    @Test
    void aPolicyWhoseHandlersAbandonEightThreadsIsDisabledWhole() throws Exception {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            text.append("on(ProcessExited) { e -> while (true) { try { Thread.sleep(60000) } catch (InterruptedException ignored) { } } }\n");
        }
        text.append("every('50ms') { notify 'tick' }\n");
        load(policy("herd.groovy", text.toString()), "budget", "100ms");
        for (int pid = 1; pid <= 3; pid++) {
            backend.fire(exited(pid, 0));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> !text("Disabled").isEmpty());
        assertTrue(text("Disabled").contains("abandoned 8 threads"), text("Disabled"));
        assertTrue(attr("HandlerThreadsAbandoned") >= 8 && attr("HandlerThreadsAbandoned") <= 12, "at most the calls already running");
        List<Notification> messages = listen("jobgov.policy.message");
        backend.fire(exited(9, 0));
        Thread.sleep(500); // room for a wrong tick or call to happen
        assertEquals(List.of(), messages.stream().map(Notification::getMessage).toList(), "a disabled policy runs no handler");
    }

    @Test
    void everyRunsOnItsPeriodAndTheDslHelpersUnderstandUnits() throws Exception {
        Path p = policy("timer.groovy", """
                int ticks = 0
                every('50ms') {
                    ticks++
                    if (ticks == 3) notify "${size('1m')} ${duration('2s').toMillis()} ${percent('12.5%')} ${event}"
                }
                """);
        List<Notification> messages = new CopyOnWriteArrayList<>();
        PolicyRuntime r = load(p);
        SERVER.addNotificationListener(policyMBean(), (n, hb) -> messages.add(n), null, null);
        await().atMost(Duration.ofSeconds(10)).until(() -> !messages.isEmpty());
        assertEquals("1048576 2000 12.5 null", messages.get(0).getMessage());
    }

    @Test
    void aReloadThatFailsKeepsTheRunningVersionAndAGoodOneReplacesIt() throws Exception {
        Path p = policy("reload.groovy", """
                job { memory '128m' }
                on(ProcessExited) { notify 'v1' }
                """);
        load(p);
        List<Notification> messages = listen("jobgov.policy.message");
        Files.writeString(p, "job { memory '256m' }\non(ProcessExited) { notify 'v2' \n");
        Exception failed = assertThrows(Exception.class, () -> SERVER.invoke(policyMBean(), "reload", null, null));
        assertTrue(String.valueOf(failed.getCause()).contains("reload.groovy:"), String.valueOf(failed.getCause()));
        assertEquals(1, attr("ReloadFailures"));
        assertEquals(1, attr("Version"));
        assertTrue(text("LastError").contains("version 1 keeps running"), text("LastError"));
        backend.fire(exited(7, 0));
        await().atMost(Duration.ofSeconds(10)).until(() -> messages.size() == 1);
        assertEquals("v1", messages.get(0).getMessage());
        assertEquals(LimitSpec.parse("memory=128m"), backend.applied());

        Files.writeString(p, "job { memory '256m' }\non(ProcessExited) { notify 'v2' }\n");
        Object result = SERVER.invoke(policyMBean(), "reload", null, null);
        assertTrue(String.valueOf(result).contains("version 2"), String.valueOf(result));
        assertEquals(LimitSpec.parse("memory=256m"), backend.applied());
        backend.fire(exited(8, 0));
        await().atMost(Duration.ofSeconds(10)).until(() -> messages.size() == 2);
        assertEquals("v2", messages.get(1).getMessage());

        Files.writeString(p, "on(ProcessExited) { notify 'v3' }\n");
        SERVER.invoke(policyMBean(), "reload", null, null);
        assertEquals(JobLimits.NONE, backend.applied(), "a version without job { } leaves the job's own limits");
    }

    @Test
    void watchReloadsWhenTheFileChanges() throws Exception {
        Path p = policy("watched.groovy", "on(ProcessExited) { notify 'v1' }\n");
        load(p, "watch", "true");
        assertEquals(true, SERVER.getAttribute(policyMBean(), "Watch"));
        Files.writeString(p, "on(ProcessExited) { notify 'v2' }\n");
        await().atMost(Duration.ofSeconds(15)).until(() -> attr("Version") == 2);
        List<Notification> messages = listen("jobgov.policy.message");
        backend.fire(exited(9, 0));
        await().atMost(Duration.ofSeconds(10)).until(() -> messages.size() == 1);
        assertEquals("v2", messages.get(0).getMessage());
    }

    @Test
    void aReloadDropsTheClassLoaderOfThePreviousVersion() throws Exception {
        Path p = policy("leak.groovy", "on(ProcessExited) { notify 'v1' }\n");
        PolicyRuntime r = load(p);
        WeakReference<ClassLoader> first = new WeakReference<>(firstLoader(r));
        assertTrue(first.get() instanceof groovy.lang.GroovyClassLoader);
        for (int i = 2; i <= 4; i++) {
            Files.writeString(p, "on(ProcessExited) { notify 'v" + i + "' }\n");
            r.reload();
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            System.gc();
            return first.get() == null;
        });
        assertNull(first.get());
    }

    private static ClassLoader firstLoader(PolicyRuntime r) {
        return r.current().script().getClass().getClassLoader();
    }

    @Test
    void aPolicyFileOtherUsersCanWriteIsRefused() throws Exception {
        Path p = policy("open.groovy", "job { memory '64m' }\n");
        Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-r--"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> load(p));
        assertTrue(e.getMessage().contains("writable by its group"), e.getMessage());
        Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        Path open = Files.createDirectory(dir.resolve("open"));
        Files.setPosixFilePermissions(open, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        Path inOpen = Files.writeString(open.resolve("p.groovy"), "job { memory '64m' }\n");
        e = assertThrows(IllegalArgumentException.class, () -> load(inOpen));
        assertTrue(e.getMessage().contains("its directory") && e.getMessage().contains("every user"), e.getMessage());
        assertEquals(JobLimits.NONE, backend.applied());
        load(p);
        assertEquals(LimitSpec.parse("memory=64m"), backend.applied());
    }

    @Test
    void aPolicyFileOwnedByAnotherUserIsRefused() throws Exception {
        jobgov.testing.Requirements.require(jobgov.testing.Requirements.isRoot(), "needs root to give a file to another user");
        Path foreign = policy("foreign.groovy", "job { memory '64m' }\n");
        Files.setAttribute(foreign, "unix:uid", 65534);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> load(foreign));
        assertTrue(e.getMessage().contains("owned by uid 65534"), e.getMessage());
        assertFalse(SERVER.isRegistered(policyMBean()));
    }
}
