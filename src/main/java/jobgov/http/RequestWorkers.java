package jobgov.http;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP server's worker threads: a fixed number, a bounded queue of connections (past it
 * {@link BoundedHttpServer} answers 503), and a last-resort limit on waiting for the client.
 *
 * <p>Reads have their own limits (the socket's read timeout and the head's and body's deadlines, which
 * answer 408). A blocking socket write has none: a client that stops reading its answer would keep a
 * worker for ever. So a worker that has waited on its client (reading, or writing the answer) longer than
 * {@code stuckMillis} has its connection closed, which ends the blocked call. While the handler runs Jolokia
 * (reading MBeans, which may be slow for good reasons) there is no limit.
 */
final class RequestWorkers extends ThreadPoolExecutor {
    static final int THREADS = 16;
    static final int QUEUE = 64;
    private static final ThreadLocal<Task> CURRENT = new ThreadLocal<>();

    private final Set<Task> running = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService watchdog;
    private final long stuckMillis;

    RequestWorkers(ThreadFactory threads, long stuckMillis) {
        super(THREADS, THREADS, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(QUEUE), threads, new AbortPolicy());
        this.stuckMillis = stuckMillis;
        allowCoreThreadTimeOut(true);
        watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = threads.newThread(r);
            t.setName("jobgov-http-timeouts");
            return t;
        });
        watchdog.scheduleWithFixedDelay(this::closeStuck, 500, 500, TimeUnit.MILLISECONDS);
    }

    @Override
    public void execute(Runnable command) {
        super.execute(() -> {
            Task task = new Task();
            CURRENT.set(task);
            running.add(task);
            try {
                command.run();
            } finally {
                running.remove(task);
                task.end();
                CURRENT.remove();
                Thread.interrupted(); // an interrupt meant for this connection must not reach the next one
            }
        });
    }

    /** The connection the current worker serves: what the watchdog closes if the worker is stuck on its client. */
    static void connection(Closeable connection) {
        Task t = CURRENT.get();
        if (t != null) {
            t.connection(connection);
        }
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

    private void closeStuck() {
        try {
            long deadline = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(stuckMillis);
            for (Task t : running) {
                t.closeIfWaitingSince(deadline);
            }
        } catch (Throwable ignored) {
            // the next round tries again; a scheduled task that throws would never run again
        }
    }

    @Override
    public void shutdown() {
        watchdog.shutdownNow();
        super.shutdown();
    }

    @Override
    public List<Runnable> shutdownNow() {
        watchdog.shutdownNow();
        for (Task t : running) {
            t.close(); // blocking socket calls ignore interrupts
        }
        return super.shutdownNow();
    }

    /** One connection on one worker. */
    private static final class Task {
        private long waitingSince = System.nanoTime();
        private boolean waiting = true;
        private boolean ended;
        private Closeable connection;

        synchronized void connection(Closeable c) {
            connection = c;
        }

        synchronized void waiting(boolean w) {
            if (w != waiting) {
                waiting = w;
                waitingSince = System.nanoTime();
            }
        }

        synchronized void closeIfWaitingSince(long deadline) {
            if (!ended && waiting && waitingSince - deadline < 0) {
                close();
            }
        }

        synchronized void close() {
            ended = true;
            if (connection != null) {
                try {
                    connection.close();
                } catch (IOException ignored) {
                    // closed already
                }
            }
        }

        synchronized void end() {
            ended = true;
        }
    }
}
