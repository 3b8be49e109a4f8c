package jobgov.http;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One request and its answer on a {@link BoundedHttpServer} connection, behind the JDK's {@link HttpExchange}
 * API (so filters, authenticators and handlers written for the JDK's server run unchanged). It decides whether
 * the connection can carry another request: only if the client did not ask to close, the request's body was
 * read whole, and the answer went out whole.
 */
final class ServerExchange extends HttpExchange {
    private final Socket socket;
    private final RequestHead head;
    private final RequestBody requestBody;
    private final OutputStream out;
    private final HttpContext context;
    private final Headers responseHeaders = new Headers();
    private final Map<String, Object> attributes = new HashMap<>();
    private boolean closeAfter;
    private int responseCode = -1;
    private ResponseBody responseBody;
    private HttpPrincipal principal;
    private InputStream in;
    private OutputStream replacedOut;
    private boolean continueSent;

    ServerExchange(Socket socket, InputStream connectionIn, OutputStream out, RequestHead head, long bodyDeadlineNanos,
                   HttpContext context, boolean closeAfter) {
        this.socket = socket;
        this.head = head;
        this.out = out;
        this.context = context;
        this.closeAfter = closeAfter || head.wantsClose();
        this.requestBody = new RequestBody(connectionIn, head, bodyDeadlineNanos, this::sendContinue);
        this.in = requestBody;
    }

    RequestHead head() {
        return head;
    }

    /** Whether the request came over TLS (the JDK's server says so with an HttpsExchange). */
    boolean tls() {
        return socket instanceof javax.net.ssl.SSLSocket;
    }

    boolean responseStarted() {
        return responseCode >= 0;
    }

    /** Whether the connection may carry the next request once this exchange is closed. */
    boolean keepAlive() {
        return !closeAfter && requestBody.complete() && responseBody != null && responseBody.complete();
    }

    void setPrincipal(HttpPrincipal p) {
        principal = p;
    }

    private void sendContinue() {
        String expect = head.headers().getFirst("Expect");
        if (!continueSent && !responseStarted() && expect != null && expect.equalsIgnoreCase("100-continue")) {
            continueSent = true;
            try {
                out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (IOException ignored) {
                // the body read that follows fails on the same socket
            }
        }
    }

    @Override
    public void sendResponseHeaders(int code, long length) throws IOException {
        if (responseStarted()) {
            throw new IOException("the response headers were sent already");
        }
        if (code < 200 || code > 999) {
            throw new IllegalArgumentException("status " + code + " cannot be sent as an answer");
        }
        responseCode = code;
        boolean noBody = head.method().equals("HEAD") || code == 204 || code == 304 || length < 0;
        if (!requestBody.complete()) {
            closeAfter = true; // what is left of the body would be read as the next request
        }
        StringBuilder sb = new StringBuilder(256).append("HTTP/1.1 ").append(code).append(' ').append(reason(code)).append("\r\n");
        for (Map.Entry<String, List<String>> h : responseHeaders.entrySet()) {
            String name = h.getKey();
            if (name.equalsIgnoreCase("Content-Length") || name.equalsIgnoreCase("Transfer-Encoding")
                    || name.equalsIgnoreCase("Connection")) {
                continue; // ours to say
            }
            for (String v : h.getValue()) {
                sb.append(name).append(": ").append(v.replaceAll("[\\r\\n]", " ")).append("\r\n");
            }
        }
        long bodyLength;
        if (length > 0) {
            sb.append("Content-Length: ").append(length).append("\r\n");
            bodyLength = length;
        } else if (noBody) {
            if (code != 204 && code != 304) {
                sb.append("Content-Length: 0\r\n");
            }
            bodyLength = 0;
        } else if (head.http10()) {
            closeAfter = true; // HTTP/1.0 knows no chunks: the body ends with the connection
            bodyLength = Long.MAX_VALUE;
        } else {
            sb.append("Transfer-Encoding: chunked\r\n");
            bodyLength = -1;
        }
        if (closeAfter) {
            sb.append("Connection: close\r\n");
        } else if (head.http10()) {
            sb.append("Connection: keep-alive\r\n");
        }
        sb.append("\r\n");
        RequestWorkers.waitingForClient();
        out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
        responseBody = new ResponseBody(out, bodyLength, noBody);
        if (noBody) {
            responseBody.close();
        }
    }

    static String reason(int code) {
        return switch (code) {
            case 200 -> "OK";
            case 204 -> "No Content";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 408 -> "Request Timeout";
            case 413 -> "Content Too Large";
            case 414 -> "URI Too Long";
            case 429 -> "Too Many Requests";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 503 -> "Service Unavailable";
            default -> "Status";
        };
    }

    @Override
    public void close() {
        try {
            if (responseBody != null) {
                responseBody.close();
            }
        } catch (IOException e) {
            closeAfter = true;
        }
    }

    @Override public Headers getRequestHeaders() { return head.headers(); }
    @Override public Headers getResponseHeaders() { return responseHeaders; }
    @Override public URI getRequestURI() { return head.uri(); }
    @Override public String getRequestMethod() { return head.method(); }
    @Override public HttpContext getHttpContext() { return context; }
    @Override public InputStream getRequestBody() { return in; }
    @Override public int getResponseCode() { return responseCode; }
    @Override public InetSocketAddress getRemoteAddress() { return (InetSocketAddress) socket.getRemoteSocketAddress(); }
    @Override public InetSocketAddress getLocalAddress() { return (InetSocketAddress) socket.getLocalSocketAddress(); }
    @Override public String getProtocol() { return head.version(); }
    @Override public Object getAttribute(String name) { return attributes.get(name); }
    @Override public void setAttribute(String name, Object value) { attributes.put(name, value); }
    @Override public HttpPrincipal getPrincipal() { return principal; }

    @Override
    public OutputStream getResponseBody() {
        if (replacedOut != null) {
            return replacedOut;
        }
        return new OutputStream() { // usable once the headers are sent, as with the JDK's server
            @Override
            public void write(int b) throws IOException {
                body().write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                body().write(b, off, len);
            }

            @Override
            public void flush() throws IOException {
                body().flush();
            }

            @Override
            public void close() throws IOException {
                if (responseBody != null) {
                    responseBody.close();
                }
            }

            private ResponseBody body() throws IOException {
                if (responseBody == null) {
                    throw new IOException("sendResponseHeaders was not called");
                }
                return responseBody;
            }
        };
    }

    @Override
    public void setStreams(InputStream i, OutputStream o) {
        if (i != null) {
            in = i;
        }
        if (o != null) {
            replacedOut = o;
        }
    }
}
