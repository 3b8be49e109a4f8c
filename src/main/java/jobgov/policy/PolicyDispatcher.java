package jobgov.policy;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The threads of one policy. Events and timer ticks wait in a bounded queue (a full queue drops the event
 * and counts it); the {@code jobgov-policy-NAME} thread takes them and hands each call to the <em>lane</em>
 * of its handler: every handler ({@code on} or {@code every}) has its own thread
 * ({@code jobgov-policy-NAME-handler-N}) and its own bounded backlog, so its calls run one at a time and in
 * order, while a slow or endless handler never holds up another one.
 *
 * <p>One budget thread ({@code jobgov-policy-NAME-budget}) watches every running call, every millisecond,
 * against its time budget and its allocation budget (HotSpot's per-thread allocated bytes). A call over either
 * is interrupted (the compiler wove {@link PolicyInterrupt}'s check into its loops); one that does not stop
 * within {@link #GRACE} is abandoned with its thread and the lane gets a fresh thread. A handler that has
 * abandoned {@link #ABANDONED_PER_HANDLER} threads, or was stopped {@link #ALLOCATION_STOPS_PER_HANDLER} times for
 * its allocation, is disabled; a policy that has abandoned {@link #ABANDONED_PER_POLICY} threads is disabled
 * whole. Every fault is counted, logged and reported; none reaches the job's event thread, which only enqueues.
 *
 * <p>One file on purpose, though it is long: the queue, the lanes and the budget thread decide one race together
 * (a call settles, is stopped or is abandoned exactly once: the call's compare-and-set under its lane's lock), and
 * that rule is checked more easily where all three sides of it can be read at once.
 */
final class PolicyDispatcher implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("jobgov.policy");
    static final Duration GRACE = Duration.ofSeconds(1);
    static final int ABANDONED_PER_HANDLER = 3;
    static final int ABANDONED_PER_POLICY = 8;
    static final int ALLOCATION_STOPS_PER_HANDLER = 2;
    private static final long CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long REINTERRUPT_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

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

    /** One handler's serial execution: its own thread, its own backlog, its own fault counts. */
    private final class Lane {
        final String where;
        final String fileName;
        final BlockingQueue<Call> pending;
        final int number;
        volatile Thread thread;
        volatile Call running;
        volatile String disabled;
        volatile boolean retired;
        int abandoned;
        int allocationStops;

        Lane(String where, String fileName, int capacity, int number) {
            this.where = where;
            this.fileName = fileName;
            this.pending = new ArrayBlockingQueue<>(capacity);
            this.number = number;
        }

        /** Starts the lane's thread if it has none (first call, or its last thread was abandoned). */
        synchronized void ensureThread() {
            if (thread == null && !retired && !closed) {
                Thread t = new Thread(this::work, "jobgov-policy-" + name + "-handler-" + number);
                t.setDaemon(true);
                t.setContextClassLoader(PolicyDispatcher.class.getClassLoader());
                thread = t;
                t.start();
            }
        }

        private void work() {
            Thread self = Thread.currentThread();
            while (thread == self && !closed && !retired) {
                Call c;
                try {
                    c = pending.take();
                } catch (InterruptedException e) {
                    continue; // a late interrupt meant for the previous call, or close()
                } catch (Throwable t) {
                    continue;
                }
                if (thread != self) {
                    pending.offer(c); // this thread was replaced while it waited: the new one runs it
                    return;
                }
                execute(this, c);
            }
        }
    }

    /** One call of a handler (or of the policy's top level at load). */
    private static final class Call {
        final Lane lane;
        final Duration limit;
        final Runnable body;
        final boolean counted;
        final AtomicBoolean settled = new AtomicBoolean();
        final CountDownLatch done = new CountDownLatch(1);
        volatile Result result;
        volatile Thread thread;
        volatile long started;
        volatile long allocatedBefore;
        volatile Outcome stopOutcome;
        volatile String stopMessage;
        volatile long stoppedAt;
        volatile long lastInterrupt;

        Call(Lane lane, Duration limit, Runnable body, boolean counted) {
            this.lane = lane;
            this.limit = limit;
            this.body = body;
            this.counted = counted;
        }
    }

    private final String name;
    private final Duration budget;
    private final long allocationBudget;
    private final Consumer<String> errors;
    private final int capacity;
    private final BlockingQueue<Item> queue;
    private final ScheduledExecutorService timer;
    private final Map<Object, Lane> lanes = new ConcurrentHashMap<>();
    private final List<Thread> abandonedThreads = new CopyOnWriteArrayList<>();
    private final List<String> disabledHandlers = new CopyOnWriteArrayList<>();
    private final AtomicLong laneNumbers = new AtomicLong();
    private final AtomicLong handlersRun = new AtomicLong();
    private final AtomicLong handlerErrors = new AtomicLong();
    private final AtomicLong handlersTimedOut = new AtomicLong();
    private final AtomicLong handlerThreadsAbandoned = new AtomicLong();
    private final AtomicLong eventsDelivered = new AtomicLong();
    private final AtomicLong eventsDropped = new AtomicLong();
    private final AtomicLong ticksSkipped = new AtomicLong();
    private final AtomicLong pumpRestarts = new AtomicLong();
    private final AtomicLong abandonedSinceEnabled = new AtomicLong();
    private final AtomicReference<String> lastError = new AtomicReference<>("");
    private final Thread pump;
    private final Thread watchdog;
    private volatile String policyDisabled;
    private volatile long lastDropLog;
    private long lastAbandonedInterrupt;
    private volatile boolean closed;

    /** {@code errors} hears every handler failure, already described (for notifications). */
    PolicyDispatcher(String name, Duration budget, long allocationBudget, int queueCapacity, Consumer<String> errors) {
        this.name = name;
        this.budget = budget;
        this.allocationBudget = allocationBudget;
        this.errors = errors;
        this.capacity = queueCapacity;
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.timer = Executors.newSingleThreadScheduledExecutor(daemon("jobgov-policy-" + name + "-timer"));
        this.pump = daemon("jobgov-policy-" + name).newThread(this::pump);
        this.watchdog = daemon("jobgov-policy-" + name + "-budget").newThread(this::watch);
        this.pump.start();
        this.watchdog.start();
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
        if (closed || policyDisabled != null) {
            return false;
        }
        if (queue.offer(item)) {
            return true;
        }
        if (item.event()) {
            countDropped(item.what());
        } else {
            ticksSkipped.incrementAndGet();
        }
        return false;
    }

    void countSkippedTick() {
        ticksSkipped.incrementAndGet();
    }

    private void countDropped(String what) {
        long dropped = eventsDropped.incrementAndGet();
        long now = System.nanoTime();
        if (dropped == 1 || now - lastDropLog > TimeUnit.SECONDS.toNanos(10)) {
            lastDropLog = now;
            log(System.Logger.Level.WARNING, "policy " + name + ": event queue full, dropped " + what + "; " + dropped
                    + " events dropped so far", null);
        }
    }

    /**
     * The policy thread: survives any Throwable (an OutOfMemoryError while the heap is short, say); each time its
     * loop had to start over is counted ({@code PolicyThreadRestarts}) and logged.
     */
    private void pump() {
        while (!closed) {
            try {
                while (!closed) {
                    Item item = queue.take();
                    try {
                        item.action().run();
                    } catch (RuntimeException | Error e) {
                        // Engine work (sub-job matching) failing must not stop the policy thread.
                        log(System.Logger.Level.WARNING, "policy " + name + ": " + item.what() + " failed: " + e, null);
                    }
                }
            } catch (InterruptedException e) {
                if (closed) {
                    return;
                }
            } catch (Throwable t) {
                pumpRestarts.incrementAndGet();
                log(System.Logger.Level.ERROR, "policy " + name + ": the policy thread restarts its loop after " + t, null);
            }
        }
    }

    /**
     * Hands one call of a handler to its lane (from the policy thread or a timer); never blocks. False when the
     * handler is disabled or its backlog is full (the caller counts the drop); a {@code single} call (a timer tick)
     * is refused while another one still waits.
     */
    boolean submit(Object handler, String where, String fileName, Runnable body, boolean single) {
        if (closed || policyDisabled != null) {
            return false;
        }
        Lane lane = lanes.computeIfAbsent(handler, k -> new Lane(where, fileName, capacity, (int) laneNumbers.incrementAndGet()));
        if (lane.disabled != null || lane.retired || (single && !lane.pending.isEmpty())) {
            return false;
        }
        if (!lane.pending.offer(new Call(lane, budget, body, true))) {
            return false;
        }
        lane.ensureThread();
        return true;
    }

    /** Whether calls of {@code handler} are still taken (false once it, or the whole policy, is disabled). */
    boolean enabled(Object handler) {
        Lane lane = lanes.get(handler);
        return policyDisabled == null && (lane == null || lane.disabled == null);
    }

    /** The handlers of a version that is no longer running: their threads end once their current call is done. */
    void retire(List<?> handlers) {
        for (Object h : handlers) {
            Lane lane = lanes.remove(h);
            if (lane != null) {
                lane.retired = true;
                lane.pending.clear();
                Thread t = lane.thread;
                if (t != null && lane.running == null) {
                    t.interrupt();
                }
            }
        }
    }

    /**
     * Runs {@code body} (the policy's top level at load) on the load lane under {@code limit} and waits for it.
     * {@code fileName} finds the policy line of a failure. A {@code counted} call adds to the counters and reports.
     */
    synchronized Result run(String where, String fileName, Duration limit, Runnable body, boolean counted) {
        if (closed) {
            return new Result(Outcome.STOPPED, where + " not run: the policy is closed");
        }
        Lane lane = new Lane(where, fileName, 1, 0);
        Call c = new Call(lane, limit, body, counted);
        lanes.put(c, lane);
        try {
            lane.pending.offer(c);
            lane.ensureThread();
            c.done.await();
            Result r = c.result;
            return r != null ? r : new Result(Outcome.STOPPED, where + " not finished: the policy is closing");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(Outcome.STOPPED, where + " not finished: the policy is closing");
        } finally {
            retire(List.of(c));
        }
    }

    /** On the lane's thread: one call, then its outcome (unless the budget thread gave up on it first). */
    private void execute(Lane lane, Call c) {
        c.thread = Thread.currentThread();
        c.allocatedBefore = allocated(c.thread);
        c.started = System.nanoTime();
        lane.running = c;
        LockSupport.unpark(watchdog);
        Throwable failure = null;
        try {
            // The policy's own woven checks stop a Groovy loop within one iteration of the allocation budget.
            PolicyBudget.begin(allocationBudget, () -> {
                if (c.stoppedAt == 0) {
                    stop(c, Outcome.STOPPED, allocationMessage(lane, Thread.currentThread()), System.nanoTime());
                }
            });
            c.body.run();
        } catch (Throwable t) {
            failure = t;
        } finally {
            PolicyBudget.end();
        }
        if (lane.running == c) {
            lane.running = null;
        }
        Thread.interrupted(); // an interrupt that arrived after the body returned is not for the next call
        try {
            settle(c, failure);
        } catch (Throwable t) {
            // Reporting ran out of memory (say): the call still counts as settled so nobody waits forever.
            c.done.countDown();
        }
    }

    private void settle(Call c, Throwable failure) {
        if (!c.settled.compareAndSet(false, true)) {
            return; // abandoned already: its outcome was reported then
        }
        Lane lane = c.lane;
        if (c.stopOutcome != null) {
            c.result = fault(c, c.stopOutcome, c.stopMessage, null);
            if (c.stopOutcome == Outcome.STOPPED && c.counted) {
                synchronized (lane) {
                    lane.allocationStops++;
                    if (lane.allocationStops >= ALLOCATION_STOPS_PER_HANDLER) {
                        disable(lane, "stopped " + lane.allocationStops + " times for allocating past its allocation budget");
                    }
                }
            }
        } else if (failure != null) {
            String line = PolicyVersion.lineIn(failure.getStackTrace(), lane.fileName);
            c.result = fault(c, Outcome.FAILED, lane.where + " failed at " + line + ": " + failure, failure);
        } else {
            count(c.counted, handlersRun);
            c.result = new Result(Outcome.RAN, "");
        }
        c.done.countDown();
    }

    /** The budget thread: every running call against its budgets, every millisecond while any runs. */
    private void watch() {
        while (!closed) {
            boolean busy = false;
            try {
                for (Lane lane : lanes.values()) {
                    Call c = lane.running;
                    if (c != null && !c.settled.get()) {
                        busy = true;
                        check(lane, c);
                    }
                }
                interruptAbandoned();
            } catch (Throwable t) {
                // Out of memory while describing a fault, say: keep watching.
                busy = true;
            }
            LockSupport.parkNanos(busy ? CHECK_NANOS : TimeUnit.SECONDS.toNanos(1));
        }
    }

    private void check(Lane lane, Call c) {
        long now = System.nanoTime();
        if (c.stoppedAt == 0) {
            Thread t = c.thread;
            long allocated = allocated(t);
            if (allocationBudget > 0 && allocated >= 0 && c.allocatedBefore >= 0 && allocated - c.allocatedBefore > allocationBudget) {
                stop(c, Outcome.STOPPED, allocationMessage(lane, t), now);
            } else if (now - c.started > c.limit.toNanos()) {
                stop(c, Outcome.TIMED_OUT, lane.where + " interrupted at " + line(lane, t)
                        + ": still running after its time budget of " + jobgov.job.Units.formatDuration(c.limit), now);
            }
        } else if (now - c.stoppedAt > GRACE.toNanos()) {
            abandon(lane, c);
        } else if (now - c.lastInterrupt > REINTERRUPT_NANOS) {
            // A handler may swallow one interrupt (catch InterruptedException and go on): ask again.
            c.lastInterrupt = now;
            c.thread.interrupt();
        }
    }

    private String allocationMessage(Lane lane, Thread t) {
        return lane.where + " stopped at " + line(lane, t) + ": allocated more than " + jobgov.job.Units.formatBytes(allocationBudget)
                + " (the policy's allocation budget)";
    }

    private static String line(Lane lane, Thread t) {
        return t == null ? lane.fileName : PolicyVersion.lineIn(t.getStackTrace(), lane.fileName);
    }

    private static void stop(Call c, Outcome outcome, String message, long now) {
        synchronized (c) {
            if (c.stopOutcome != null) {
                return; // the budget thread and the policy's own check both saw it
            }
            c.stopMessage = message;
            c.lastInterrupt = now;
            c.stoppedAt = now == 0 ? 1 : now;
            c.stopOutcome = outcome;
        }
        c.thread.interrupt();
    }

    /** The call ignored its interrupts for the whole grace: leave its thread, give the lane a new one, and cap it. */
    private void abandon(Lane lane, Call c) {
        if (!c.settled.compareAndSet(false, true)) {
            return;
        }
        Thread stuck = c.thread;
        handlerThreadsAbandoned.incrementAndGet();
        abandonedThreads.add(stuck);
        String message = c.stopMessage + "; it ignored its interrupt for " + jobgov.job.Units.formatDuration(GRACE)
                + ", so its thread " + stuck.getName() + " is abandoned";
        c.result = fault(c, c.stopOutcome, message, null);
        c.done.countDown();
        long policyWide = abandonedSinceEnabled.incrementAndGet();
        synchronized (lane) {
            lane.abandoned++;
            if (lane.running == c) {
                lane.running = null;
            }
            lane.thread = null;
            if (c.counted && lane.abandoned >= ABANDONED_PER_HANDLER) {
                disable(lane, "abandoned " + lane.abandoned + " threads that ignored their interrupt");
            }
        }
        if (policyWide >= ABANDONED_PER_POLICY && policyDisabled == null) {
            disablePolicy("its handlers abandoned " + policyWide + " threads that ignored their interrupt");
            return;
        }
        if (lane.disabled == null && !lane.pending.isEmpty()) {
            lane.ensureThread();
        }
    }

    /** Abandoned threads are asked again, now and then, to stop; the ones that finally end are forgotten. */
    private void interruptAbandoned() {
        long now = System.nanoTime();
        if (abandonedThreads.isEmpty() || now - lastAbandonedInterrupt < TimeUnit.SECONDS.toNanos(1)) {
            return;
        }
        lastAbandonedInterrupt = now;
        for (Thread t : abandonedThreads) {
            if (t.isAlive()) {
                t.interrupt();
            } else {
                abandonedThreads.remove(t);
            }
        }
    }

    private void disable(Lane lane, String why) {
        if (lane.disabled != null) {
            return;
        }
        String reason = lane.where + " disabled: " + why + " (reload the policy to enable it again)";
        lane.disabled = reason;
        lane.pending.clear();
        disabledHandlers.add(Instant.now() + " " + reason);
        lastError.set(Instant.now() + " " + reason);
        log(System.Logger.Level.ERROR, "policy " + name + ": " + reason, null);
        errors.accept(reason);
    }

    private void disablePolicy(String why) {
        String reason = "policy " + name + " disabled: " + why + "; the job keeps its limits, no handler runs (reload the policy to enable it again)";
        policyDisabled = Instant.now() + " " + reason;
        queue.clear();
        for (Lane lane : lanes.values()) {
            lane.pending.clear();
        }
        lastError.set(policyDisabled);
        log(System.Logger.Level.ERROR, reason, null);
        errors.accept(reason);
    }

    private Result fault(Call c, Outcome outcome, String message, Throwable cause) {
        if (c.counted) {
            handlersRun.incrementAndGet();
            handlerErrors.incrementAndGet();
            if (outcome == Outcome.TIMED_OUT) {
                handlersTimedOut.incrementAndGet();
            }
            lastError.set(Instant.now() + " " + message);
            log(System.Logger.Level.WARNING, "policy " + name + ": " + message, cause);
            try {
                errors.accept(message);
            } catch (RuntimeException e) {
                // a notification that cannot be sent is no reason to lose the count
            }
        } else if (outcome == Outcome.TIMED_OUT || outcome == Outcome.STOPPED) {
            log(System.Logger.Level.WARNING, "policy " + name + ": " + message, null);
        }
        return new Result(outcome, message);
    }

    /** Logging that cannot fail: with the heap short, a message that cannot be built is dropped, never thrown. */
    private static void log(System.Logger.Level level, String message, Throwable cause) {
        try {
            if (cause == null) {
                LOG.log(level, message);
            } else {
                LOG.log(level, message, cause);
            }
        } catch (Throwable ignored) {
            // nothing more to do
        }
    }

    private static void count(boolean counted, AtomicLong counter) {
        if (counted) {
            counter.incrementAndGet();
        }
    }

    /** Records a failure outside a handler (a failed reload). */
    void recordError(String message) {
        lastError.set(Instant.now() + " " + message);
    }

    /** A new version runs: a policy disabled for its abandoned threads takes handlers again. */
    void enableAgain() {
        abandonedSinceEnabled.set(0);
        disabledHandlers.clear();
        policyDisabled = null;
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

    /** Abandoned threads still alive (stuck in the handler that ignored its interrupts). */
    int handlerThreadsStuck() {
        int n = 0;
        for (Thread t : abandonedThreads) {
            if (t.isAlive()) {
                n++;
            }
        }
        return n;
    }

    long eventsDelivered() {
        return eventsDelivered.get();
    }

    long eventsDropped() {
        return eventsDropped.get();
    }

    /** An event taken from the queue: handed to its handlers ({@code delivered}), or dropped because each backlog was full. */
    void countEvent(boolean delivered, String what) {
        if (delivered) {
            eventsDelivered.incrementAndGet();
        } else {
            countDropped(what);
        }
    }

    long ticksSkipped() {
        return ticksSkipped.get();
    }

    long pumpRestarts() {
        return pumpRestarts.get();
    }

    int queued() {
        int n = queue.size();
        for (Lane lane : lanes.values()) {
            n += lane.pending.size();
        }
        return n;
    }

    int capacity() {
        return capacity;
    }

    String lastError() {
        return lastError.get();
    }

    /** Why the whole policy is disabled, or "" while it runs. */
    String disabled() {
        String d = policyDisabled;
        return d == null ? "" : d;
    }

    /** The disabled handlers, each with its reason. */
    List<String> disabledHandlers() {
        return new ArrayList<>(disabledHandlers);
    }

    @Override
    public void close() {
        closed = true;
        timer.shutdownNow();
        pump.interrupt();
        LockSupport.unpark(watchdog);
        queue.clear();
        for (Lane lane : lanes.values()) {
            lane.retired = true;
            lane.pending.clear();
            Thread t = lane.thread;
            if (t != null) {
                t.interrupt();
            }
            Call c = lane.running;
            if (c != null) {
                c.done.countDown();
            }
        }
    }
}
