package jobgov.windows;

import com.sun.jna.platform.win32.WinNT.HANDLE;
import com.sun.jna.ptr.IntByReference;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** Java streams over the parent's ends of a child's pipes (ReadFile/WriteFile on a Win32 handle). */
final class HandleStreams {
    private HandleStreams() {
    }

    static final class Input extends InputStream {
        private final Kernel32Jobs api;
        private HANDLE handle;

        Input(Kernel32Jobs api, HANDLE handle) {
            this.api = api;
            this.handle = handle;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public synchronized int read(byte[] b, int off, int len) throws IOException {
            if (handle == null) {
                throw new IOException("stream closed");
            }
            if (len == 0) {
                return 0;
            }
            byte[] buf = off == 0 ? b : new byte[len];
            IntByReference read = new IntByReference();
            if (!api.ReadFile(handle, buf, len, read, null)) {
                int err = api.lastError();
                if (err == JobConstants.ERROR_BROKEN_PIPE) {
                    return -1; // the child closed its end
                }
                throw new IOException("ReadFile failed: " + Win32Error.describe(err));
            }
            int n = read.getValue();
            if (n == 0) {
                return -1;
            }
            if (buf != b) {
                System.arraycopy(buf, 0, b, off, n);
            }
            return n;
        }

        @Override
        public synchronized void close() {
            if (handle != null) {
                api.CloseHandle(handle);
                handle = null;
            }
        }
    }

    static final class Output extends OutputStream {
        private final Kernel32Jobs api;
        private HANDLE handle;

        Output(Kernel32Jobs api, HANDLE handle) {
            this.api = api;
            this.handle = handle;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) throws IOException {
            if (handle == null) {
                throw new IOException("stream closed");
            }
            byte[] buf = off == 0 ? b : java.util.Arrays.copyOfRange(b, off, off + len);
            int done = 0;
            while (done < len) {
                byte[] chunk = done == 0 ? buf : java.util.Arrays.copyOfRange(buf, done, len);
                IntByReference written = new IntByReference();
                if (!api.WriteFile(handle, chunk, len - done, written, null)) {
                    throw new IOException("WriteFile failed: " + Win32Error.describe(api.lastError()));
                }
                done += written.getValue();
            }
        }

        @Override
        public synchronized void close() {
            if (handle != null) {
                api.CloseHandle(handle);
                handle = null;
            }
        }
    }
}
