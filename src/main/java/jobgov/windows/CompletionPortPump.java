package jobgov.windows;

import com.sun.jna.Pointer;
import com.sun.jna.platform.win32.BaseTSD.ULONG_PTRByReference;
import com.sun.jna.platform.win32.WinBase;
import com.sun.jna.platform.win32.WinNT.HANDLE;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import jobgov.job.JobException;

/**
 * One I/O completion port and the thread that drains it, shared by the backend's jobs. Each job is
 * associated with the port under its own completion key, so a message finds its job by key; the pid
 * the kernel sends in lpOverlapped is passed on as a number.
 *
 * <p>Lifecycle: {@link #open} creates the port and starts the thread; {@link #close} posts a message
 * under the reserved key 0 to wake the thread, waits for it to end, and only then closes the port (a
 * port closed under a waiting GetQueuedCompletionStatus would end it with ERROR_ABANDONED_WAIT_0, which
 * the loop also treats as the end).
 */
public final class CompletionPortPump implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("jobgov.windows");
    private static final long STOP_KEY = 0;

    /** Receives a job's messages on the pump thread. */
    public interface Sink {
        void message(int message, long pid);
    }

    private final Kernel32Jobs api;
    private final HANDLE port;
    private final Map<Long, Sink> sinks = new ConcurrentHashMap<>();
    private final AtomicLong nextKey = new AtomicLong(1);
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean closedFromPump;

    private CompletionPortPump(Kernel32Jobs api, HANDLE port, String name) {
        this.api = api;
        this.port = port;
        this.thread = new Thread(this::run, name);
        thread.setDaemon(true);
    }

    public static CompletionPortPump open(Kernel32Jobs api, String threadName) {
        HANDLE port = api.CreateIoCompletionPort(WinBase.INVALID_HANDLE_VALUE, null, null, 1);
        if (port == null || Pointer.nativeValue(port.getPointer()) == 0) {
            int err = api.lastError();
            throw new JobException("CreateIoCompletionPort failed: " + Win32Error.describe(err));
        }
        CompletionPortPump pump = new CompletionPortPump(api, port, threadName);
        pump.thread.start();
        return pump;
    }

    public HANDLE port() {
        return port;
    }

    /** A fresh completion key for a job, routed to {@code sink}. */
    public long register(Sink sink) {
        long key = nextKey.getAndIncrement();
        sinks.put(key, sink);
        return key;
    }

    /** Later messages under {@code key} are dropped. */
    public void unregister(long key) {
        sinks.remove(key);
    }

    public int registered() {
        return sinks.size();
    }

    public boolean isRunning() {
        return thread.isAlive();
    }

    private void run() {
        IntByReference message = new IntByReference();
        ULONG_PTRByReference key = new ULONG_PTRByReference();
        PointerByReference overlapped = new PointerByReference();
        try {
            drain(message, key, overlapped);
        } finally {
            if (closedFromPump) {
                api.CloseHandle(port); // close() ran on this thread and left the port to be closed here
            }
        }
    }

    private void drain(IntByReference message, ULONG_PTRByReference key, PointerByReference overlapped) {
        while (running) {
            boolean ok = api.GetQueuedCompletionStatus(port, message, key, overlapped, JobConstants.INFINITE);
            if (!ok) {
                int err = api.lastError();
                if (err == JobConstants.ERROR_ABANDONED_WAIT_0 || err == JobConstants.ERROR_INVALID_HANDLE || !running) {
                    break;
                }
                LOG.log(System.Logger.Level.WARNING, "GetQueuedCompletionStatus failed: " + Win32Error.describe(err));
                continue;
            }
            long k = key.getValue().longValue();
            if (k == STOP_KEY) {
                continue; // the wake-up from close(): the loop condition ends it
            }
            Sink sink = sinks.get(k);
            if (sink == null) {
                continue; // a job already closed: its last messages have nobody to go to
            }
            Pointer p = overlapped.getValue();
            long pid = p == null ? 0 : Pointer.nativeValue(p);
            try {
                sink.message(message.getValue(), pid);
            } catch (Throwable e) {
                // One bad message or listener (even an Error) never stops the events of the other jobs.
                LOG.log(System.Logger.Level.WARNING, "job message " + message.getValue() + " failed", e);
            }
        }
    }

    /** Stops the thread, then closes the port. Idempotent. */
    @Override
    public void close() {
        if (!running) {
            return;
        }
        running = false;
        sinks.clear();
        if (Thread.currentThread() == thread) {
            // Called by a listener (a job closed from its own event): the loop ends when the listener
            // returns; the thread cannot wait for itself.
            closedFromPump = true;
            return;
        }
        if (!api.PostQueuedCompletionStatus(port, 0, null, null)) {
            LOG.log(System.Logger.Level.WARNING, "PostQueuedCompletionStatus failed: " + Win32Error.describe(api.lastError()));
        }
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        api.CloseHandle(port);
    }
}
