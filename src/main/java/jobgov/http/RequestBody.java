package jobgov.http;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;

/**
 * A request's body as the handler reads it: exactly {@code Content-Length} bytes, or the chunks of a
 * chunked body (chunk sizes of at most 8 hex digits, trailers skipped within the head's bounds), all of it
 * within {@code deadlineNanos}. A body that ends early, a chunk header that is not one, or a client too slow
 * is an {@link HttpRefusal} (400 or 408) thrown from {@code read}, which the server answers. The first read
 * sends {@code 100 Continue} when the client asked for it.
 */
final class RequestBody extends InputStream {
    private static final long DONE = -1;

    private final InputStream in;
    private final boolean chunked;
    private final long deadline;
    private final Runnable continueOnce;
    private long left; // bytes left in the body (fixed) or in the current chunk (chunked); DONE at the end
    private boolean started;
    private boolean failed;

    RequestBody(InputStream in, RequestHead head, long deadlineNanos, Runnable continueOnce) {
        this.in = in;
        this.chunked = head.chunked();
        this.deadline = deadlineNanos;
        this.continueOnce = continueOnce;
        this.left = chunked ? 0 : (head.contentLength() == 0 ? DONE : head.contentLength());
    }

    /** Whether the whole body has been read (so the connection can carry another request). */
    boolean complete() {
        return left == DONE && !failed;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (failed) {
            throw new HttpRefusal(400, "the request body could not be read");
        }
        if (len == 0) {
            return 0;
        }
        try {
            if (!started) {
                started = true;
                continueOnce.run();
            }
            if (chunked && left == 0) {
                left = nextChunk();
            }
            if (left == DONE) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n < 0) {
                throw new HttpRefusal(400, "the request body ended before its " + (chunked ? "last chunk" : "Content-Length"));
            }
            overdue();
            left -= n;
            if (left == 0) {
                if (chunked) {
                    crlf();
                } else {
                    left = DONE;
                }
            }
            return n;
        } catch (SocketTimeoutException e) {
            failed = true;
            throw new HttpRefusal(408, "the request body did not arrive in time");
        } catch (IOException | RuntimeException e) {
            failed = true;
            throw e;
        }
    }

    /** The next chunk's size, or DONE after the last chunk and its trailers. */
    private long nextChunk() throws IOException {
        String header = line();
        int semicolon = header.indexOf(';'); // chunk extensions are ignored
        String size = (semicolon < 0 ? header : header.substring(0, semicolon)).strip();
        if (!size.matches("[0-9a-fA-F]{1,8}")) {
            throw new HttpRefusal(400, "a chunk of the request body does not start with its size in hex");
        }
        long n = Long.parseLong(size, 16);
        if (n > 0) {
            return n;
        }
        for (int i = 0; !line().isEmpty(); i++) { // trailers: read and dropped
            if (i >= RequestHead.MAX_HEADERS) {
                throw new HttpRefusal(431, "more than " + RequestHead.MAX_HEADERS + " trailer lines");
            }
        }
        return DONE;
    }

    private void crlf() throws IOException {
        if (!line().isEmpty()) {
            throw new HttpRefusal(400, "a chunk of the request body is longer than its size says");
        }
    }

    private String line() throws IOException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new HttpRefusal(400, "the request body ended inside a chunk header");
            }
            overdue();
            if (c == '\n') {
                int end = sb.length() > 0 && sb.charAt(sb.length() - 1) == '\r' ? sb.length() - 1 : sb.length();
                return sb.substring(0, end);
            }
            if (sb.length() >= RequestHead.MAX_LINE) {
                throw new HttpRefusal(400, "a chunk header of the request body exceeds " + RequestHead.MAX_LINE + " bytes");
            }
            sb.append((char) c);
        }
    }

    private void overdue() throws HttpRefusal {
        if (System.nanoTime() - deadline > 0) {
            throw new HttpRefusal(408, "the request body did not arrive in time");
        }
    }

    @Override
    public int available() throws IOException {
        return left > 0 ? (int) Math.min(in.available(), left) : 0;
    }

    @Override
    public void close() {
        // the connection's stream stays open for the next request; the server decides
    }
}
