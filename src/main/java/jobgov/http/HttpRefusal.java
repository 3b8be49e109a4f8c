package jobgov.http;

import java.io.IOException;

/**
 * A request the server will not serve, with the HTTP status to answer it with. An IOException so that it can
 * leave a request body's {@code read} (a chunk header that is not one, a body cut short or too slow) and
 * reach the server, which answers it whoever was reading.
 */
final class HttpRefusal extends IOException {
    final int status;

    HttpRefusal(int status, String reason) {
        super(reason);
        this.status = status;
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this; // an answer, not a fault: no stack to keep
    }
}
