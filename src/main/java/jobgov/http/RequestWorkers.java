package jobgov.http;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP server's worker threads: a fixed number, a bounded queue (past it the JDK's server closes the
 * new connection), and a time limit on waiting for the client.
 *
 * <p>The JDK's HttpServer reads a request's line and headers on a worker thread, and neither it nor the
 * body has a read timeout: a client that sends half a request keeps a worker for ever, and a few such
 * clients stall the server. Here a worker that has waited on its client's socket (for the head, the body,
 * or for room to write the answer) longer than {@link #IO_TIMEOUT_MILLIS} is interrupted; the JDK reads and
 * writes the socket as a blocking, interruptible channel, so the interrupt closes that one connection.
 * While the handler runs Jolokia (reading MBeans, which may be slow for good reasons) there is no limit.
 */
final class RequestWorkers extends ThreadPoolExecutor {
    static final int THREADS = 16;
    static final int QUEUE = 64;
    static final long IO_TIMEOUT_MILLIS = 10_000;
    private static final ThreadLocal<Task> CURRENT = new ThreadLocal<>();

    private final Set<Task> running = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService watchdog;

    RequestWorkers(ThreadFactory threads) {
        super(THREADS, THREADS, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(QUEUE), threads, new AbortPolicy());
        allowCoreThreadTimeOut(true);
        watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = threads.newThread(r);
            t.setName("jobgov-jolokia-timeouts");
            return t;
        });
        watchdog.scheduleWithFixedDelay(this::interruptStuck, 500, 500, TimeUnit.MILLISECONDS);
    }

    @Override
    public void execute(Runnable command) {
        super.execute(() -> {
            Task task = new Task(Thread.currentThread());
            CURRENT.set(task);
            running.add(task);
            try {
                command.run();
            } finally {
                running.remove(task);
                task.end();
                CURRENT.remove();
                Thread.interrupted(); // an interrupt meant for this request must not reach the next one
            }
        });
    }

    /** The handler is waiting for its client (reading the body, writing the answer). */
    static void waitingForClient() {
        Task t = CURRENT.get();
        if (t != null) {
            t.waiting(true);
        }
    }

    /** The handler is working: no time limit until it waits for the client again. */
    static void working() {
        Task t = CURRENT.get();
        if (t != null) {
            t.waiting(false);
        }
    }

    private void interruptStuck() {
        long now = System.nanoTime();
        for (Task t : running) {
            t.interruptIfWaitingSince(now - TimeUnit.MILLISECONDS.toNanos(IO_TIMEOUT_MILLIS));
        }
    }

    @Override
    public void shutdown() {
        watchdog.shutdownNow();
        super.shutdown();
    }

    @Override
    public java.util.List<Runnable> shutdownNow() {
        watchdog.shutdownNow();
        return super.shutdownNow();
    }

    /** One request on one worker; it starts by waiting for the client's request line. */
    private static final class Task {
        private final Thread thread;
        private long waitingSince = System.nanoTime();
        private boolean waiting = true;
        private boolean ended;

        Task(Thread thread) {
            this.thread = thread;
        }

        synchronized void waiting(boolean w) {
            waiting = w;
            waitingSince = System.nanoTime();
        }

        synchronized void interruptIfWaitingSince(long deadline) {
            if (!ended && waiting && waitingSince - deadline < 0) {
                waiting = false; // once is enough
                thread.interrupt();
            }
        }

        synchronized void end() {
            ended = true;
        }
    }
}
