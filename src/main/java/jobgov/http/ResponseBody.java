package jobgov.http;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A response's body on the connection: exactly the length announced, or chunks when the length was not
 * known (0 in {@code sendResponseHeaders}), or nothing (-1, and every answer to HEAD). Writing past the
 * announced length fails; closing short of it marks the connection for closing, since the client cannot
 * tell where the next answer would begin.
 */
final class ResponseBody extends OutputStream {
    private final OutputStream out;
    private final long length; // -1 chunked, else exact
    private final boolean discard;
    private long written;
    private boolean closed;

    ResponseBody(OutputStream out, long length, boolean discard) {
        this.out = out;
        this.length = length;
        this.discard = discard;
    }

    /** Whether the answer went out whole (else the connection must close). */
    boolean complete() {
        return closed && (length < 0 || written == length || discard);
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (closed) {
            throw new IOException("the response body is closed");
        }
        if (len == 0 || discard) {
            return;
        }
        if (length >= 0 && written + len > length) {
            throw new IOException("the response body exceeds its Content-Length of " + length);
        }
        RequestWorkers.waitingForClient();
        if (length < 0) {
            out.write((Integer.toHexString(len) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(b, off, len);
            out.write('\r');
            out.write('\n');
        } else {
            out.write(b, off, len);
        }
        written += len;
    }

    @Override
    public void flush() throws IOException {
        if (!closed) {
            out.flush();
        }
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (length < 0 && !discard) {
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.flush();
    }
}
