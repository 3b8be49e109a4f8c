package jobgov.linux;

import com.sun.jna.Memory;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import jobgov.job.EventThreadFailures;
import jobgov.job.JobEvent;

/**
 * A job's event thread ({@code jobgov-events-NAME}, daemon): sleeps in poll(2) on an inotify descriptor
 * (cgroupfs files the kernel notifies on: cgroup.events, pids.events, memory.events), on any eventfds
 * registered with the kernel (v1 cgroup.event_control), and on a wake-up eventfd; on any of them, or
 * every {@code tickMillis}, it runs {@code check}. The check re-reads the files: events are never counted,
 * since the kernel coalesces notifications of one file within 10 ms.
 *
 * <p>The thread opens its descriptors itself when it starts (the first JNA use of a job): creating a job,
 * e.g. in the Java agent's premain, does not wait for JNA to load. Nothing is lost meanwhile: the thread
 * runs {@code check} once right after arming, and the check re-reads every file. When libc cannot be
 * reached the thread still runs {@code check} every tick.
 *
 * <p>Raw inotify fires ~0.6 ms after the kernel's change on these machines (the JDK's WatchService ~1.5 ms).
 * Shared by the cgroup1 and cgroup2 backends.
 */
public final class EventLoop implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("jobgov.linux");

    private final List<Path> watched = new CopyOnWriteArrayList<>();
    private final List<Runnable> arming = new CopyOnWriteArrayList<>();
    private final List<Integer> eventFds = new CopyOnWriteArrayList<>();
    private final List<Integer> heldFds = new CopyOnWriteArrayList<>();
    private final long tickMillis;
    private final Runnable check;
    // the slower tick while nothing needs the fast one (see whenQuiet); event thread reads
    private volatile java.util.function.BooleanSupplier quiet = () -> false;
    private volatile long quietMillis;
    // after a registered eventfd fired (an OOM, say): the fast tick for a while, for the counters the kernel updates after it
    private long fastUntil = System.nanoTime();
    private static final long AFTER_EVENTFD_NANOS = TimeUnit.SECONDS.toNanos(1);
    private final Thread thread;
    private int inotifyFd = -1;
    private int wakeFd = -1;
    private boolean fdsClosed;
    /** Set by the event thread once its descriptors are open (and so JNA is loaded): from then on wake() writes the eventfd. */
    private volatile boolean armed;
    private volatile boolean stopping;
    /** Counted down once arming is over, whether or not it succeeded. */
    private final CountDownLatch armingDone = new CountDownLatch(1);
    private final EventThreadFailures failures;

    public EventLoop(String jobName, long tickMillis, Runnable check) {
        this(jobName, tickMillis, check, e -> { });
    }

    /** {@code events} hears of the loop's own failures ({@link JobEvent.EventThreadFailed}). */
    public EventLoop(String jobName, long tickMillis, Runnable check, Consumer<JobEvent> events) {
        this.tickMillis = tickMillis;
        this.check = check;
        this.thread = new Thread(this::run, "jobgov-events-" + jobName);
        thread.setDaemon(true);
        this.failures = new EventThreadFailures(thread.getName(), events, LOG);
    }

    /**
     * While {@code quiet} says so (asked on the event thread before each wait), the loop checks every {@code millis}
     * instead of every tick: the kernel's notifications and {@link #wake()} still bring a check on at once. For a job
     * whose processes the connector reports and whose limits need no polling, the tick only looks for what nothing
     * notifies (a process moving itself out, a pid written into cgroup.procs by someone else).
     */
    public void whenQuiet(long millis, java.util.function.BooleanSupplier quiet) {
        this.quietMillis = millis;
        this.quiet = quiet;
    }

    /** How long the next wait may last: the tick, or the quiet tick when nothing needs the fast one. */
    private long nextWaitMillis() {
        return quietMillis > tickMillis && System.nanoTime() - fastUntil >= 0 && quiet.getAsBoolean() ? quietMillis : tickMillis;
    }

    /** Runs {@code check} whenever the kernel reports a modification of {@code file} (armed when the thread starts). */
    public void watch(Path file) {
        watched.add(file);
    }

    /**
     * Runs {@code action} on the event thread once its descriptors are open, before the first check: for
     * registrations that need libc (e.g. an eventfd for {@link #watchEventFd}).
     */
    public void onArm(Runnable action) {
        arming.add(action);
    }

    /**
     * Runs {@code check} whenever {@code fd} becomes readable; the loop drains it and closes it at the end,
     * together with {@code held} (descriptors the registration needs open, e.g. the watched control file).
     */
    public void watchEventFd(int fd, int... held) {
        for (int h : held) {
            heldFds.add(h);
        }
        eventFds.add(fd);
        wake();
    }

    public void start() {
        thread.start();
    }

    public boolean isEventThread() {
        return Thread.currentThread() == thread;
    }

    /**
     * Asks for a check soon (from any thread). Before the thread is armed there is nothing to do: it runs a
     * check right after arming, which sees whatever the caller did before calling this.
     */
    public void wake() {
        if (!armed) {
            return;
        }
        try (Memory one = new Memory(8)) {
            one.setLong(0, 1);
            Libc.C.write(wakeFd, one, 8);
        }
    }

    /** Stops the thread and closes its descriptors; waits for it unless called from the event thread itself. */
    @Override
    public void close() {
        stopping = true;
        wake();
        if (!isEventThread() && thread.isAlive()) {
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else if (!thread.isAlive() && thread.getState() == Thread.State.NEW) {
            closeFds();
        }
    }

    /**
     * The loop survives any Throwable, an OutOfMemoryError while a policy or the application has the heap short
     * included: a failed arming, wait or check is counted and reported ({@link EventThreadFailures}: log, event,
     * so the Job MBean and a JMX notification say it), and the loop goes on after one tick, re-reading every file.
     */
    private void run() {
        Memory buf = null;
        try {
            boolean pollable = false;
            try {
                pollable = arm();
                buf = pollable ? new Memory(4096) : null;
            } catch (Throwable e) {
                pollable = false; // ticks only, reported
                failures.failed(e);
            } finally {
                armingDone.countDown();
            }
            boolean first = true;
            while (!stopping) {
                try {
                    if (!first) {
                        if (pollable) {
                            waitPolling(buf);
                        } else if (!sleepTick()) {
                            break;
                        }
                    }
                    first = false;
                    if (stopping) {
                        break;
                    }
                    check.run();
                    failures.succeeded();
                } catch (Throwable e) {
                    failures.failed(e);
                    if (!sleepTick()) {
                        break;
                    }
                }
            }
        } finally {
            try {
                if (buf != null) {
                    buf.close();
                }
            } finally {
                closeFds();
            }
        }
    }

    /**
     * Waits at most {@code millis} for the thread to finish arming (its descriptors and the arming actions, e.g. a
     * process-events subscription): a command started after this has its first forks and exits seen. True when armed.
     */
    public boolean awaitArmed(long millis) {
        try {
            armingDone.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return armed;
    }

    /** Whether the thread sleeps on the kernel's notifications (inotify, eventfds) rather than on its tick alone. */
    public boolean armed() {
        return armed;
    }

    /** Waits or checks that failed (and were survived) since the thread started. */
    public long failures() {
        return failures.failures();
    }

    /** Opens the inotify and wake-up descriptors, adds the watches, runs the arming actions. False: tick only. */
    private boolean arm() {
        try {
            synchronized (this) {
                if (fdsClosed) {
                    return false;
                }
                inotifyFd = Libc.C.inotify_init1(Libc.NONBLOCK | Libc.O_CLOEXEC);
                if (inotifyFd < 0) {
                    LOG.log(System.Logger.Level.WARNING, thread.getName() + ": inotify_init1 failed (" + Libc.lastError()
                            + "); checking every " + tickMillis + " ms instead");
                    return false;
                }
                wakeFd = Libc.C.eventfd(0, Libc.NONBLOCK | Libc.O_CLOEXEC);
                if (wakeFd < 0) {
                    LOG.log(System.Logger.Level.WARNING, thread.getName() + ": eventfd failed (" + Libc.lastError()
                            + "); checking every " + tickMillis + " ms instead");
                    return false;
                }
                for (Path file : watched) {
                    if (Libc.C.inotify_add_watch(inotifyFd, file.toString(), Libc.IN_MODIFY) < 0) {
                        LOG.log(System.Logger.Level.DEBUG, thread.getName() + ": cannot watch " + file + " (" + Libc.lastError() + ")");
                    }
                }
                armed = true;
            }
            for (Runnable a : arming) {
                try {
                    a.run();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, thread.getName() + ": " + e.getMessage());
                }
            }
            return true;
        } catch (LinkageError | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, thread.getName() + ": libc is not reachable through JNA (" + e
                    + "); checking every " + tickMillis + " ms instead");
            return false;
        }
    }

    private void waitPolling(Memory buf) {
        List<Integer> extra = List.copyOf(eventFds);
        int n = 2 + extra.size();
        try (Memory fds = new Memory(8L * n)) {
            fds.clear();
            setFd(fds, 0, inotifyFd);
            setFd(fds, 1, wakeFd);
            for (int i = 0; i < extra.size(); i++) {
                setFd(fds, 2 + i, extra.get(i));
            }
            int r = Libc.C.poll(fds, n, (int) nextWaitMillis());
            if (r > 0) {
                for (int i = 0; i < n; i++) {
                    if (fds.getShort(8L * i + 6) != 0) {
                        Libc.C.read(fds.getInt(8L * i), buf, buf.size()); // drain; the check re-reads state
                        if (i >= 2) {
                            fastUntil = System.nanoTime() + AFTER_EVENTFD_NANOS;
                        }
                    }
                }
            }
        }
    }

    private boolean sleepTick() {
        try {
            Thread.sleep(tickMillis);
            return true;
        } catch (InterruptedException e) {
            return false;
        }
    }

    private static void setFd(Memory fds, int i, int fd) {
        fds.setInt(8L * i, fd);
        fds.setShort(8L * i + 4, Libc.POLLIN);
    }

    private synchronized void closeFds() {
        if (fdsClosed) {
            return;
        }
        fdsClosed = true;
        armed = false;
        if (inotifyFd < 0 && wakeFd < 0 && eventFds.isEmpty() && heldFds.isEmpty()) {
            return; // never armed: JNA need not be loaded just to close nothing
        }
        for (int fd : eventFds) {
            Libc.C.close(fd);
        }
        for (int fd : heldFds) {
            Libc.C.close(fd);
        }
        eventFds.clear();
        heldFds.clear();
        if (inotifyFd >= 0) {
            Libc.C.close(inotifyFd);
        }
        if (wakeFd >= 0) {
            Libc.C.close(wakeFd);
        }
    }
}
