package jobgov.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import jobgov.job.JobEvent;
import org.junit.jupiter.api.Test;

/**
 * The tracker's bookkeeping fed the connector's messages in the kernel's order, where pids are reused: nothing an
 * earlier process with the same pid did may become the job's. The pids are above any pid_max (no /proc entry), so no
 * real process is touched; the connector itself is exercised against the kernel by Cgroup1ProcEventsIT.
 */
class ProcessTrackerTest {
    private static final long SHELL = 5_000_001L;
    private static final long REUSED = 5_000_002L;
    private static final long STRANGER_CHILD = 5_000_003L;
    private static final long OTHER = 5_000_004L;

    private final ProcessTracker tracker = new ProcessTracker(0, () -> Path.of("/sys/fs/cgroup/no-such-job"));
    private final List<JobEvent> events = new ArrayList<>();
    // the kernel's stamps on fork messages, in the order it sends them
    private long clock = 1_000;

    private boolean fork(long parent, long child) {
        return tracker.forked(parent, child, ++clock);
    }

    /** The job starts its shell, and the connector has read the shell's fork by the time the start returns. */
    private void startShell() {
        long since = ++clock;
        fork(1, SHELL);
        tracker.starting(SHELL, since);
    }

    private void tick() {
        tracker.tick(Set.of(), Instant.now(), events::add);
    }

    @Test
    void aPidAStrangerEndedWithIsReportedWithTheMembersOwnStatus() {
        tracker.connected();
        tracker.exited(REUSED, 9); // a stranger with this pid was SIGKILLed a moment ago
        startShell();
        assertTrue(fork(SHELL, REUSED), "a member's child is a member");
        assertTrue(tracker.exited(REUSED, 3 << 8), "its exit is the job's news");
        tick();
        assertEquals(List.of(new JobEvent.ProcessExited(events.get(1).time(), REUSED, 3)), events.subList(1, 2), events.toString());
        assertTrue(events.get(0) instanceof JobEvent.NewProcess n && n.pid() == REUSED, events.toString());
    }

    @Test
    void childrenAnEarlierProcessWithTheStartedPidForkedAreNotAdopted() {
        tracker.connected();
        fork(OTHER, SHELL);          // an earlier process got the pid the job's shell will have ...
        fork(SHELL, STRANGER_CHILD); // ... and forked a child that lives on outside the job
        // its exit was lost (a receive-buffer overrun); the pid is reused by the process the job starts
        startShell();
        tick();
        assertTrue(events.stream().noneMatch(e -> e instanceof JobEvent.NewProcess n && n.pid() == STRANGER_CHILD), events.toString());
        assertFalse(tracker.exited(STRANGER_CHILD, 0), "the stranger's end is not the job's");
    }

    /**
     * CI failure: 100 x AbnormalExit signal 9. The job's shell got the pid of a process whose last forks and exit the
     * connector had not read yet when the start returned; that process's children were adopted as the shell's.
     */
    @Test
    void aStartedCommandOnAPidWhoseEarlierProcessIsNotReadToTheEndInheritsNothing() {
        tracker.connected();
        fork(OTHER, SHELL);          // the earlier process with the pid ...
        fork(SHELL, STRANGER_CHILD); // ... and its child
        long since = ++clock;
        tracker.starting(SHELL, since); // the connector lags: everything below is read after the start returned
        tracker.joined(SHELL);
        assertFalse(fork(SHELL, OTHER), "the earlier process's last fork, read late, is not the job's");
        assertFalse(tracker.exited(SHELL, 9), "nor is its exit");
        assertFalse(fork(1, SHELL), "the started process's own fork (its wrapper set its limits)");
        assertTrue(fork(SHELL, REUSED), "what the started process forks is the job's");
        tick();
        assertEquals(List.of(SHELL, REUSED), events.stream().filter(e -> e instanceof JobEvent.NewProcess).map(JobEvent::pid).toList(), events.toString());
        assertFalse(tracker.exited(STRANGER_CHILD, 0), "the earlier process's child's end is not the job's");
        assertFalse(tracker.exited(OTHER, 0));
        assertTrue(tracker.exited(REUSED, 3 << 8));
    }

    @Test
    void aStartedCommandWhoseForkMessageWasLostIsAMemberAfterTheOverrun() {
        tracker.connected();
        tracker.starting(SHELL, ++clock);
        tracker.joined(SHELL);
        assertFalse(fork(SHELL, REUSED), "not a member before its own fork is read");
        tracker.overrun(); // ... which was among the lost messages
        tracker.tick(Set.of(SHELL), Instant.now(), events::add);
        assertTrue(fork(SHELL, STRANGER_CHILD), "a listed started process is a member once the overrun is known");
    }

    @Test
    void aForkThatCreatesAMembersPidEndsThatMembership() {
        tracker.connected();
        tracker.joined(OTHER);
        tracker.tick(Set.of(OTHER), Instant.now(), events::add);
        fork(1, OTHER); // the member's exit message was lost; a stranger has its pid now
        assertFalse(fork(OTHER, STRANGER_CHILD), "the stranger's child is not the job's");
    }

    @Test
    void anAssignedProcessBringsNotTheChildrenItForkedBeforeItWasMoved() {
        tracker.connected();
        fork(OTHER, STRANGER_CHILD); // forked while OTHER was outside the job: it stays outside
        tracker.joined(OTHER);
        tick();
        assertTrue(events.stream().noneMatch(e -> e instanceof JobEvent.NewProcess n && n.pid() == STRANGER_CHILD), events.toString());
        assertFalse(tracker.exited(STRANGER_CHILD, 0));
        assertTrue(fork(OTHER, REUSED), "what it forks once in is the job's");
    }

    @Test
    void aMemberWhoseExitAnOverrunLostIsNoLongerOneOnTheNextTick() {
        tracker.connected();
        tracker.joined(OTHER);
        tick();
        tracker.overrun(); // OTHER's exit was among the lost messages; a stranger now has its pid
        tick();
        assertFalse(fork(OTHER, STRANGER_CHILD), "the stranger's child is not the job's");
    }

    /** The connector made {@code pid} a member (the job's shell forked it); the tick at {@code t} no longer lists it. */
    private void aMemberWithThePidGoneFromTheList(long pid, Instant t) {
        tracker.connected();
        startShell();
        assertTrue(fork(SHELL, pid));
        tracker.tick(Set.of(), t, events::add);
    }

    /**
     * CI failure: one of a burst's subshells came as ProcessEscaped. It ended and a process outside the job got its
     * pid before the tick looked; the connector's exit message for it came a moment later. The stranger here is this
     * test's own JVM (alive, outside the job); only /proc is read.
     */
    @Test
    void aStrangerOnAnEndedMembersPidIsNoEscape() {
        long stranger = ProcessHandle.current().pid();
        Instant t = Instant.now();
        aMemberWithThePidGoneFromTheList(stranger, t);
        assertTrue(tracker.exited(stranger, 3 << 8), "the member's exit, read late");
        tracker.tick(Set.of(), t.plusMillis(100), events::add);
        assertEquals(List.of(new JobEvent.NewProcess(t, stranger), new JobEvent.ProcessExited(t.plusMillis(100), stranger, 3)), events);
    }

    @Test
    void aLiveMemberOutsideWithNoExitMessageHasEscapedAndIsNoLongerAMember() {
        long outside = ProcessHandle.current().pid();
        Instant t = Instant.now();
        aMemberWithThePidGoneFromTheList(outside, t);
        assertEquals(List.of(new JobEvent.NewProcess(t, outside)), events, "no verdict before the connector had its say");
        tracker.tick(Set.of(), t.plusSeconds(2), events::add);
        assertTrue(events.get(1) instanceof JobEvent.ProcessEscaped e && e.pid() == outside, events.toString());
        assertFalse(fork(outside, STRANGER_CHILD), "what it forks outside is not the job's");
        assertFalse(tracker.exited(outside, 0), "nor is its end");
    }
}
