package jobgov.http;

import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;

/**
 * jobgov's own small HTTP/1.1 server, in place of the JDK's {@code HttpServer} for every endpoint jobgov opens
 * in a host JVM (Jolokia, and any other that follows the same rules). It speaks the JDK's handler API
 * ({@link HttpExchange}, {@link Filter}, {@link Authenticator}), and differs where a host's safety needs it:
 * <ul>
 * <li><b>every malformed request gets an answer</b>: a request line, header or body the JDK's server would drop
 *     the connection on (over-long heads, bad chunking, a Content-Length that is not one, control characters,
 *     a handler that throws anything) is answered with a 4xx (or 500) JSON body ({@link HttpAnswers}) and
 *     then, if the request's end cannot be known, the connection is closed;</li>
 * <li><b>bounded waiting</b>: the head must arrive within {@link #ioTimeoutMillis()} of its first byte and the body
 *     within as long again (else 408), an idle keep-alive connection is closed after the same time, and a write
 *     the client does not take is cut off by {@link RequestWorkers};</li>
 * <li><b>bounded threads</b>: {@link RequestWorkers} (16 threads, 64 connections queued; past that a connection
 *     gets a 503 JSON answer and is closed); a connection is kept alive only while no other waits for a thread;</li>
 * <li><b>TCP_NODELAY on every connection</b>, set per socket: the JDK's server takes it only from the JVM-wide
 *     {@code sun.net.httpserver.nodelay}, which would change the host's own servers too; without it each
 *     keep-alive request waits for the client's delayed ACK (≈44 ms here).</li>
 * </ul>
 * Every thread is a daemon. One context path; any other path gets 404.
 */
final class BoundedHttpServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("jobgov.http");
    /** Waits on the client, milliseconds; {@code -Djobgov.http.ioTimeoutMillis} changes it (tests). */
    static final long DEFAULT_IO_TIMEOUT_MILLIS = 10_000;

    private final ServerSocket listener;
    private final RequestWorkers workers;
    private final ServerContext context;
    private final Thread acceptor;
    private final int ioTimeoutMillis;
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong withoutNoDelay = new AtomicLong();
    private volatile boolean closed;

    private BoundedHttpServer(ServerSocket listener, ServerContext context, ThreadFactory threads, int ioTimeoutMillis) {
        this.listener = listener;
        this.context = context;
        this.ioTimeoutMillis = ioTimeoutMillis;
        this.workers = new RequestWorkers(threads, 3L * ioTimeoutMillis);
        this.acceptor = threads.newThread(this::accept);
        acceptor.setName(acceptor.getName() + "-accept");
        acceptor.setDaemon(true);
    }

    /**
     * Binds {@code address} (TLS when {@code tls} is given) and serves {@code path} with {@code handler} on
     * threads from {@code threads} (which must make daemons). Add filters and an authenticator to
     * {@link #context()} before {@link #start()}.
     */
    static BoundedHttpServer bind(InetSocketAddress address, SSLContext tls, String path, HttpHandler handler,
                                  ThreadFactory threads) throws IOException {
        ServerSocket s = tls == null ? new ServerSocket() : tls.getServerSocketFactory().createServerSocket();
        try {
            s.setReuseAddress(true);
            s.bind(address, 64);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        long timeout = Long.getLong("jobgov.http.ioTimeoutMillis", DEFAULT_IO_TIMEOUT_MILLIS);
        return new BoundedHttpServer(s, new ServerContext(path, handler), threads, (int) Math.max(100, Math.min(timeout, 600_000)));
    }

    ServerContext context() {
        return context;
    }

    void start() {
        acceptor.start();
    }

    InetSocketAddress address() {
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    int ioTimeoutMillis() {
        return ioTimeoutMillis;
    }

    /** Connections accepted so far, and how many of them the kernel did not confirm TCP_NODELAY for (tests). */
    long connections() {
        return connections.get();
    }

    long connectionsWithoutNoDelay() {
        return withoutNoDelay.get();
    }

    private void accept() {
        while (!closed) {
            Socket s;
            try {
                s = listener.accept();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                LOG.log(System.Logger.Level.DEBUG, "jobgov: accept failed: " + e);
                pause();
                continue;
            } catch (Throwable t) {
                pause(); // an OutOfMemoryError here must not end the server
                continue;
            }
            connections.incrementAndGet();
            try {
                workers.execute(() -> connection(s));
            } catch (RejectedExecutionException full) {
                refuseBusy(s);
            } catch (Throwable t) {
                closeQuietly(s);
            }
        }
    }

    private static void pause() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Past the queue: a short answer written on the acceptor thread (it fits any socket buffer), then closed. */
    private void refuseBusy(Socket s) {
        try (s) {
            s.setSoTimeout(1000);
            if (!(s instanceof javax.net.ssl.SSLSocket)) { // a TLS handshake could take long: just close
                raw(s.getOutputStream(), 503, "busy: " + RequestWorkers.THREADS + " connections are being served and "
                        + RequestWorkers.QUEUE + " wait; try again");
                s.shutdownOutput();
            }
        } catch (IOException | RuntimeException ignored) {
            // the client is gone
        }
    }

    /** One connection, request after request, on a worker thread. */
    private void connection(Socket s) {
        RequestWorkers.connection(s);
        try (s) {
            s.setTcpNoDelay(true);
            if (!s.getTcpNoDelay()) {
                withoutNoDelay.incrementAndGet();
            }
            s.setSoTimeout(ioTimeoutMillis);
            BufferedInputStream in = new BufferedInputStream(s.getInputStream(), 8192);
            OutputStream out = new BufferedOutputStream(s.getOutputStream(), 16384);
            while (!closed && exchange(s, in, out)) {
                // next request on the same connection
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.TRACE, "jobgov: connection ended: " + e);
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.DEBUG, "jobgov: connection ended: " + t);
        }
    }

    /** Serves one request; true if the connection can carry another. */
    private boolean exchange(Socket s, BufferedInputStream in, OutputStream out) throws IOException {
        RequestWorkers.waitingForClient();
        in.mark(1);
        int first;
        try {
            first = in.read(); // idle keep-alive: the time limit runs from the request's first byte
        } catch (java.net.SocketTimeoutException idle) {
            return false;
        }
        if (first < 0) {
            return false;
        }
        in.reset();
        long timeout = TimeUnit.MILLISECONDS.toNanos(ioTimeoutMillis);
        RequestHead head;
        try {
            head = RequestHead.read(in, System.nanoTime() + timeout);
        } catch (RequestHead.NoRequest none) {
            return false;
        } catch (HttpRefusal r) {
            refuseAndClose(s, out, r.status, r.getMessage());
            return false;
        }
        RequestWorkers.working();
        ServerExchange x = new ServerExchange(s, in, out, head, System.nanoTime() + timeout, context,
                !workers.getQueue().isEmpty());
        try {
            if (!context.serves(head.uri().getPath())) {
                HttpAnswers.refuse(x, 404, "nothing is served at " + RequestHead.printable(String.valueOf(head.uri().getRawPath()))
                        + "; try " + context.getPath() + "/");
            } else {
                new Filter.Chain(context.getFilters(), this::authenticateThenHandle).doFilter(x);
            }
            if (!x.responseStarted()) {
                HttpAnswers.refuse(x, 500, "the handler gave no answer");
            }
        } catch (HttpRefusal r) {
            answerFailure(s, x, out, r.status, r.getMessage());
            return false;
        } catch (IOException e) {
            // the client is gone, or the answer broke off: nothing more to say on this connection
            LOG.log(System.Logger.Level.DEBUG, "jobgov: connection lost during " + head.method() + ": " + e);
            answerFailure(s, x, out, 400, "the request could not be read: " + e.getClass().getSimpleName());
            return false;
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.WARNING, "jobgov: HTTP handler failed on " + head.method() + " "
                    + RequestHead.printable(String.valueOf(head.uri().getRawPath())) + ": " + t);
            answerFailure(s, x, out, 500, "the request could not be served: " + t.getClass().getSimpleName());
            return false;
        } finally {
            x.close();
        }
        out.flush();
        return x.keepAlive() && !closed;
    }

    private void authenticateThenHandle(HttpExchange exchange) throws IOException {
        ServerExchange x = (ServerExchange) exchange;
        Authenticator auth = context.getAuthenticator();
        if (auth != null) {
            Authenticator.Result result = auth.authenticate(x);
            if (result instanceof Authenticator.Success ok) {
                x.setPrincipal(ok.getPrincipal());
            } else {
                int status = result instanceof Authenticator.Failure f ? f.getResponseCode()
                        : ((Authenticator.Retry) result).getResponseCode();
                HttpAnswers.refuse(x, status, status == 429
                        ? "too many wrong credentials from this address: try again after Retry-After seconds"
                        : "wrong user or password");
                return;
            }
        }
        context.getHandler().handle(x);
    }

    /** A refusal after the head was read: as an answer if none started, then the connection is closed. */
    private void answerFailure(Socket s, ServerExchange x, OutputStream out, int status, String reason) {
        if (x.responseStarted()) {
            return;
        }
        try {
            refuseAndClose(s, out, status, reason);
        } catch (IOException | RuntimeException ignored) {
            // the client is gone
        }
    }

    /** Writes a JSON refusal with {@code Connection: close}, then reads what the client still sends for a moment, so it sees the answer rather than a reset. */
    private void refuseAndClose(Socket s, OutputStream out, int status, String reason) throws IOException {
        RequestWorkers.waitingForClient();
        raw(out, status, reason);
        try {
            s.shutdownOutput();
            s.setSoTimeout(Math.min(1000, ioTimeoutMillis));
            InputStream in = s.getInputStream();
            byte[] sink = new byte[8192];
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            for (long n = 0; n < (1 << 20) && System.nanoTime() - deadline < 0; ) {
                int r = in.read(sink);
                if (r < 0) {
                    break;
                }
                n += r;
            }
        } catch (IOException | RuntimeException ignored) {
            // closed or silent: the answer is out either way
        }
    }

    private static void raw(OutputStream out, int status, String reason) throws IOException {
        byte[] body = HttpAnswers.refusal(status, reason);
        String head = "HTTP/1.1 " + status + " " + ServerExchange.reason(status) + "\r\n"
                + "Content-Type: application/json; charset=utf-8\r\nCache-Control: no-store\r\n"
                + "Content-Length: " + body.length + "\r\nConnection: close\r\n\r\n";
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closed already
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            listener.close();
        } catch (IOException ignored) {
            // closed already
        }
        workers.shutdownNow();
    }
}
