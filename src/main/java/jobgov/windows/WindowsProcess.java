package jobgov.windows;

import com.sun.jna.platform.win32.WinNT.HANDLE;
import com.sun.jna.ptr.IntByReference;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.ref.Cleaner;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** A child started inside a job, seen through its Win32 process handle (closed when this object is collected). */
final class WindowsProcess extends Process {
    private static final Cleaner CLEANER = Cleaner.create();

    private final Kernel32Jobs api;
    private final HANDLE handle;
    private final long pid;
    private final OutputStream stdin;
    private final InputStream stdout;
    private final InputStream stderr;

    WindowsProcess(Kernel32Jobs api, HANDLE handle, long pid, OutputStream stdin, InputStream stdout, InputStream stderr) {
        this.api = api;
        this.handle = handle;
        this.pid = pid;
        this.stdin = stdin;
        this.stdout = stdout;
        this.stderr = stderr;
        CLEANER.register(this, () -> api.CloseHandle(handle));
    }

    @Override
    public OutputStream getOutputStream() {
        return stdin;
    }

    @Override
    public InputStream getInputStream() {
        return stdout;
    }

    @Override
    public InputStream getErrorStream() {
        return stderr;
    }

    @Override
    public int waitFor() throws InterruptedException {
        // Short waits keep the thread interruptible, as Process.waitFor promises.
        while (api.WaitForSingleObject(handle, 100) == JobConstants.WAIT_TIMEOUT) {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
        return exitValue();
    }

    @Override
    public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (true) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            int r = api.WaitForSingleObject(handle, (int) Math.max(0, Math.min(100, left)));
            if (r != JobConstants.WAIT_TIMEOUT) {
                return true;
            }
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            if (left <= 0) {
                return false;
            }
        }
    }

    @Override
    public int exitValue() {
        // The wait, not STILL_ACTIVE (259), says whether it ended: 259 is also a legal exit code.
        if (api.WaitForSingleObject(handle, 0) == JobConstants.WAIT_TIMEOUT) {
            throw new IllegalThreadStateException("process " + pid + " has not exited");
        }
        IntByReference code = new IntByReference();
        if (!api.GetExitCodeProcess(handle, code)) {
            throw new IllegalStateException("GetExitCodeProcess(" + pid + ") failed: " + Win32Error.describe(api.lastError()));
        }
        return code.getValue();
    }

    @Override
    public boolean isAlive() {
        return api.WaitForSingleObject(handle, 0) == JobConstants.WAIT_TIMEOUT;
    }

    /** Windows has no polite termination for an arbitrary process: TerminateProcess with exit code 1. */
    @Override
    public void destroy() {
        api.TerminateProcess(handle, 1);
    }

    @Override
    public Process destroyForcibly() {
        destroy();
        return this;
    }

    @Override
    public boolean supportsNormalTermination() {
        return false;
    }

    @Override
    public long pid() {
        return pid;
    }

    @Override
    public ProcessHandle toHandle() {
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        return h.orElseThrow(() -> new UnsupportedOperationException("process " + pid + " is gone"));
    }
}
