package jobgov.http;

import com.sun.net.httpserver.Headers;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * The request line and headers of one HTTP/1.x request, read within bounds: lines of at most
 * {@link #MAX_LINE} bytes, at most {@link #MAX_HEADERS} headers and {@link #MAX_HEAD} bytes in all, the whole
 * head within {@code deadlineNanos}. Anything that is not a plain HTTP/1.0 or 1.1 request (a bad method token,
 * a target that is not a path, folded or nameless headers, control characters, a Content-Length that is not one
 * number, a transfer coding other than {@code chunked}, both at once) is an {@link HttpRefusal}; the server
 * answers it and closes the connection, since it can no longer tell where the next request would begin.
 */
record RequestHead(String method, URI uri, String version, Headers headers, long contentLength, boolean chunked) {
    static final int MAX_LINE = 8192;
    static final int MAX_HEAD = 32 * 1024;
    static final int MAX_HEADERS = 100;

    /** The client closed the connection or stayed silent before the first byte of a request: nothing to answer. */
    static final class NoRequest extends IOException {
        NoRequest() {
            super("no request", null);
        }
    }

    boolean http10() {
        return version.equals("HTTP/1.0");
    }

    /** Whether the client asked to close after this request (HTTP/1.0 closes unless it asks to keep alive). */
    boolean wantsClose() {
        String c = headers.getFirst("Connection");
        String connection = c == null ? "" : c.toLowerCase(Locale.ROOT);
        return http10() ? !connection.contains("keep-alive") : connection.contains("close");
    }

    static RequestHead read(InputStream in, long deadlineNanos) throws IOException {
        Reader r = new Reader(in, deadlineNanos);
        String line = r.line(true);
        while (line.isEmpty()) { // a stray CRLF between requests is allowed
            line = r.line(false);
        }
        String[] parts = line.split(" ", -1);
        if (parts.length != 3) {
            throw new HttpRefusal(400, "the request line is not 'METHOD TARGET HTTP/1.1'");
        }
        String method = parts[0];
        if (!token(method)) {
            throw new HttpRefusal(400, "the method is not an HTTP token");
        }
        String version = parts[2];
        if (!version.equals("HTTP/1.1") && !version.equals("HTTP/1.0")) {
            throw new HttpRefusal(400, "only HTTP/1.1 and HTTP/1.0 are served, not '" + printable(version) + "'");
        }
        URI uri = target(parts[1]);
        Headers headers = new Headers();
        int count = 0;
        for (String h = r.line(false); !h.isEmpty(); h = r.line(false)) {
            if (++count > MAX_HEADERS) {
                throw new HttpRefusal(431, "more than " + MAX_HEADERS + " request headers");
            }
            if (h.charAt(0) == ' ' || h.charAt(0) == '\t') {
                throw new HttpRefusal(400, "folded header lines are not served");
            }
            int colon = h.indexOf(':');
            if (colon <= 0 || !token(h.substring(0, colon))) {
                throw new HttpRefusal(400, "a header line is not 'Name: value'");
            }
            String value = h.substring(colon + 1).strip();
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if ((c < 0x20 && c != '\t') || c == 0x7f) {
                    throw new HttpRefusal(400, "header " + printable(h.substring(0, colon)) + " holds a control character");
                }
            }
            headers.add(h.substring(0, colon), value);
        }
        List<String> lengths = headers.get("Content-Length");
        List<String> codings = headers.get("Transfer-Encoding");
        if (lengths != null && codings != null) {
            throw new HttpRefusal(400, "both Content-Length and Transfer-Encoding: give one");
        }
        long length = 0;
        boolean chunked = false;
        if (codings != null) {
            if (codings.size() != 1 || !codings.get(0).equalsIgnoreCase("chunked") || version.equals("HTTP/1.0")) {
                throw new HttpRefusal(400, "the only transfer coding served is 'chunked' (HTTP/1.1)");
            }
            chunked = true;
        } else if (lengths != null) {
            String first = lengths.get(0);
            for (String l : lengths) {
                if (!l.equals(first)) {
                    throw new HttpRefusal(400, "Content-Length is given more than once with different values");
                }
            }
            if (!first.matches("[0-9]{1,18}")) {
                throw new HttpRefusal(400, "Content-Length is not a number of bytes: '" + printable(first) + "'");
            }
            length = Long.parseLong(first);
        }
        return new RequestHead(method, uri, version, headers, length, chunked);
    }

    private static URI target(String target) throws HttpRefusal {
        if (!target.startsWith("/")) {
            throw new HttpRefusal(400, "the request target is not a path starting with '/'");
        }
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                throw new HttpRefusal(400, "the request target holds a byte that is not printable ASCII (percent-encode it)");
            }
        }
        try {
            return new URI(target);
        } catch (URISyntaxException e) {
            throw new HttpRefusal(400, "the request target is not a URI path: " + printable(e.getReason()));
        }
    }

    static boolean token(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    static String printable(String s) {
        String p = s.replaceAll("[^\\x20-\\x7e]", "?");
        return p.length() > 64 ? p.substring(0, 64) + "..." : p;
    }

    /** Lines of the head, within the size and time bounds. */
    private static final class Reader {
        private final InputStream in;
        private final long deadline;
        private final byte[] line = new byte[MAX_LINE + 2];
        private int total;

        Reader(InputStream in, long deadline) {
            this.in = in;
            this.deadline = deadline;
        }

        String line(boolean first) throws IOException {
            int n = 0;
            while (true) {
                int b;
                try {
                    b = in.read();
                } catch (java.net.SocketTimeoutException e) {
                    if (first && n == 0 && total == 0) {
                        throw new NoRequest();
                    }
                    throw new HttpRefusal(408, "the request's head did not arrive in time");
                }
                if (b < 0) {
                    if (first && n == 0 && total == 0) {
                        throw new NoRequest();
                    }
                    throw new HttpRefusal(400, "the connection ended inside the request's head");
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new HttpRefusal(408, "the request's head did not arrive in time");
                }
                if (++total > MAX_HEAD) {
                    throw new HttpRefusal(431, "the request's head exceeds " + MAX_HEAD + " bytes");
                }
                if (b == '\n') {
                    int end = n > 0 && line[n - 1] == '\r' ? n - 1 : n;
                    return new String(line, 0, end, StandardCharsets.ISO_8859_1);
                }
                if (n >= MAX_LINE) {
                    throw new HttpRefusal(first ? 414 : 431, (first ? "the request line" : "a header line") + " exceeds "
                            + MAX_LINE + " bytes");
                }
                line[n++] = (byte) b;
            }
        }
    }
}
