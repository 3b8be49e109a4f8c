package jobgov.policy;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The threads of one policy. Events and timer ticks wait in a bounded queue (a full queue drops the
 * event and counts it); the {@code jobgov-policy-NAME} thread takes them one at a time and runs each
 * handler on the {@code jobgov-policy-NAME-handler} thread under a time budget and an allocation
 * budget. A handler over budget is interrupted (the compiler wove {@code ThreadInterrupt} checks into
 * its loops); one that does not stop even then is abandoned with its thread, and a fresh thread runs
 * the next handlers. The event pump of the job only ever enqueues.
 */
final class PolicyDispatcher implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("jobgov.policy");
    private static final Duration GRACE = Duration.ofSeconds(1);
    private static final long POLL_MILLIS = 10;

    /** Something for the policy thread to do; {@code event} says whether dropping it counts as a dropped event. */
    record Item(String what, Runnable action, boolean event) {
    }

    /** What happened to one handler call. */
    enum Outcome { RAN, FAILED, TIMED_OUT, STOPPED }

    /** The outcome and, unless it ran, what went wrong (with the policy line). */
    record Result(Outcome outcome, String message) {
        boolean ran() {
            return outcome == Outcome.RAN;
        }
    }

    private final String name;
    private final Duration budget;
    private final long allocationBudget;
    private final Consumer<String> errors;
    private final BlockingQueue<Item> queue;
    private final Thread thread;
    private final ScheduledExecutorService timer;
    private final AtomicLong handlersRun = new AtomicLong();
    private final AtomicLong handlerErrors = new AtomicLong();
    private final AtomicLong handlersTimedOut = new AtomicLong();
    private final AtomicLong handlerThreadsAbandoned = new AtomicLong();
    private final AtomicLong eventsDelivered = new AtomicLong();
    private final AtomicLong eventsDropped = new AtomicLong();
    private final AtomicLong ticksSkipped = new AtomicLong();
    private final AtomicReference<String> lastError = new AtomicReference<>("");
    private volatile long lastDropLog;
    private Worker worker;
    private volatile boolean closed;

    /** The handler thread and its executor; replaced when a handler will not stop. */
    private static final class Worker {
        final ExecutorService executor;
        volatile Thread thread;

        Worker(String name) {
            executor = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, name);
                t.setDaemon(true);
                t.setContextClassLoader(PolicyDispatcher.class.getClassLoader());
                thread = t;
                return t;
            });
        }
    }

    /** {@code errors} hears every handler failure, already described (for notifications). */
    PolicyDispatcher(String name, Duration budget, long allocationBudget, int queueCapacity, Consumer<String> errors) {
        this.name = name;
        this.budget = budget;
        this.allocationBudget = allocationBudget;
        this.errors = errors;
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.worker = new Worker("jobgov-policy-" + name + "-handler");
        this.timer = Executors.newSingleThreadScheduledExecutor(daemon("jobgov-policy-" + name + "-timer"));
        this.thread = daemon("jobgov-policy-" + name).newThread(this::pump);
        this.thread.start();
    }

    private static ThreadFactory daemon(String threadName) {
        return r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            t.setContextClassLoader(PolicyDispatcher.class.getClassLoader());
            return t;
        };
    }

    ScheduledExecutorService timer() {
        return timer;
    }

    Duration budget() {
        return budget;
    }

    /** Enqueues without ever blocking; a full queue drops the item and counts it. */
    boolean post(Item item) {
        if (closed) {
            return false;
        }
        if (queue.offer(item)) {
            return true;
        }
        if (item.event()) {
            long dropped = eventsDropped.incrementAndGet();
            long now = System.nanoTime();
            if (dropped == 1 || now - lastDropLog > TimeUnit.SECONDS.toNanos(10)) {
                lastDropLog = now;
                LOG.log(System.Logger.Level.WARNING, "policy " + name + ": event queue full (" + queue.size()
                        + "), dropped " + item.what() + "; " + dropped + " events dropped so far");
            }
        } else {
            ticksSkipped.incrementAndGet();
        }
        return false;
    }

    void countSkippedTick() {
        ticksSkipped.incrementAndGet();
    }

    private void pump() {
        while (!closed) {
            Item item;
            try {
                item = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            if (item.event()) {
                eventsDelivered.incrementAndGet();
            }
            try {
                item.action().run();
            } catch (RuntimeException | Error e) {
                // Engine work (sub-job matching) failing must not stop the policy thread.
                LOG.log(System.Logger.Level.WARNING, "policy " + name + ": " + item.what() + " failed", e);
            }
        }
    }

    /**
     * Runs {@code body} on the handler thread within {@code limit}; one handler at a time per policy.
     * {@code fileName} finds the policy line of a failure. A {@code counted} call (a handler, not the
     * policy's top level at load) adds to the counters and reports its failure.
     */
    synchronized Result run(String where, String fileName, Duration limit, Runnable body, boolean counted) {
        Worker w = worker;
        CountDownLatch finished = new CountDownLatch(1);
        Future<?> f;
        try {
            f = w.executor.submit(() -> {
                try {
                    body.run();
                } finally {
                    finished.countDown();
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return new Result(Outcome.STOPPED, where + " not run: the policy is closed");
        }
        long deadline = System.nanoTime() + limit.toNanos();
        // A fresh handler thread has allocated next to nothing before its first task.
        long allocatedBefore = w.thread == null ? 0 : allocated(w.thread);
        while (true) {
            try {
                f.get(POLL_MILLIS, TimeUnit.MILLISECONDS);
                count(counted, handlersRun);
                return new Result(Outcome.RAN, "");
            } catch (ExecutionException e) {
                count(counted, handlersRun);
                count(counted, handlerErrors);
                Throwable cause = e.getCause();
                String line = PolicyVersion.lineIn(cause.getStackTrace(), fileName);
                return report(counted, Outcome.FAILED, where + " failed at " + line + ": " + cause, cause);
            } catch (TimeoutException e) {
                Thread t = w.thread;
                long allocated = allocated(t);
                if (allocated >= 0 && allocatedBefore >= 0 && allocationBudget > 0 && allocated - allocatedBefore > allocationBudget) {
                    count(counted, handlersRun);
                    count(counted, handlerErrors);
                    String line = t == null ? fileName : PolicyVersion.lineIn(t.getStackTrace(), fileName);
                    stop(w, f, finished);
                    return report(counted, Outcome.STOPPED, where + " stopped at " + line + ": allocated more than "
                            + jobgov.job.Units.formatBytes(allocationBudget) + " (the policy's allocation budget)", null);
                }
                if (System.nanoTime() - deadline > 0) {
                    count(counted, handlersRun);
                    count(counted, handlersTimedOut);
                    String line = t == null ? fileName : PolicyVersion.lineIn(t.getStackTrace(), fileName);
                    stop(w, f, finished);
                    return report(counted, Outcome.TIMED_OUT, where + " interrupted at " + line
                            + ": still running after its time budget of " + jobgov.job.Units.formatDuration(limit), null);
                }
            } catch (InterruptedException e) {
                f.cancel(true);
                Thread.currentThread().interrupt();
                return new Result(Outcome.STOPPED, where + " not finished: the policy is closing");
            }
        }
    }

    private void stop(Worker w, Future<?> f, CountDownLatch finished) {
        f.cancel(true);
        boolean stopped;
        try {
            stopped = finished.await(GRACE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopped = false;
        }
        if (!stopped) {
            // It ignores interrupts (blocked in Java code without interruption points): leave it, go on with a new thread.
            handlerThreadsAbandoned.incrementAndGet();
            w.executor.shutdownNow();
            worker = new Worker("jobgov-policy-" + name + "-handler");
            LOG.log(System.Logger.Level.ERROR, "policy " + name + ": a handler ignored its interrupt; its thread "
                    + (w.thread == null ? "" : w.thread.getName() + " ") + "is abandoned and a new one runs the next handlers");
        }
    }

    private static void count(boolean counted, AtomicLong counter) {
        if (counted) {
            counter.incrementAndGet();
        }
    }

    private Result report(boolean counted, Outcome outcome, String message, Throwable cause) {
        if (counted) {
            lastError.set(Instant.now() + " " + message);
            LOG.log(System.Logger.Level.WARNING, "policy " + name + ": " + message, cause);
            errors.accept(message);
        }
        return new Result(outcome, message);
    }

    /** Records a failure outside a handler (a failed reload). */
    void recordError(String message) {
        lastError.set(Instant.now() + " " + message);
    }

    private static long allocated(Thread t) {
        if (t == null) {
            return -1;
        }
        try {
            if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean mx && mx.isThreadAllocatedMemorySupported()
                    && mx.isThreadAllocatedMemoryEnabled()) {
                return mx.getThreadAllocatedBytes(t.getId());
            }
        } catch (RuntimeException | LinkageError e) {
            // Not HotSpot, or jdk.management missing: the time budget alone applies.
        }
        return -1;
    }

    long handlersRun() {
        return handlersRun.get();
    }

    long handlerErrors() {
        return handlerErrors.get();
    }

    long handlersTimedOut() {
        return handlersTimedOut.get();
    }

    long handlerThreadsAbandoned() {
        return handlerThreadsAbandoned.get();
    }

    long eventsDelivered() {
        return eventsDelivered.get();
    }

    long eventsDropped() {
        return eventsDropped.get();
    }

    long ticksSkipped() {
        return ticksSkipped.get();
    }

    int queued() {
        return queue.size();
    }

    int capacity() {
        return queue.size() + queue.remainingCapacity();
    }

    String lastError() {
        return lastError.get();
    }

    @Override
    public void close() {
        closed = true;
        timer.shutdownNow();
        thread.interrupt();
        queue.clear();
        synchronized (this) {
            worker.executor.shutdownNow();
        }
    }
}
