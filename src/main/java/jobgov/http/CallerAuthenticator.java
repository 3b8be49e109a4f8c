package jobgov.http;

import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;

/**
 * HTTP Basic authentication where credentials are optional: a request without an Authorization header
 * goes on as {@link #ANONYMOUS} (and may only read, see {@link AccessRestrictor}); a request with wrong
 * credentials is refused with 401 before Jolokia sees it, and repeated wrong ones from one address are
 * slowed down by {@link LoginThrottle} (HTTP 429).
 */
final class CallerAuthenticator extends Authenticator {
    static final String REALM = "jobgov";
    /** Compared by identity, so no user name (not even "anonymous") can pose as it. */
    static final HttpPrincipal ANONYMOUS = new HttpPrincipal("-", REALM);

    private final String user;
    private final byte[] password;
    private final LoginThrottle throttle = new LoginThrottle();

    CallerAuthenticator(String user, char[] password) {
        this.user = user;
        ByteBuffer bytes = StandardCharsets.UTF_8.encode(CharBuffer.wrap(password));
        this.password = Arrays.copyOf(bytes.array(), bytes.limit());
    }

    @Override
    public Result authenticate(HttpExchange exchange) {
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        if (header == null) {
            return new Success(ANONYMOUS);
        }
        java.net.InetAddress client = exchange.getRemoteAddress().getAddress();
        long closed = throttle.closedForSeconds(client);
        if (closed > 0) {
            exchange.getResponseHeaders().set("Retry-After", Long.toString(closed));
            return new Failure(429);
        }
        if (header.regionMatches(true, 0, "Basic ", 0, 6)) {
            try {
                byte[] decoded = Base64.getDecoder().decode(header.substring(6).trim());
                int colon = indexOf(decoded, (byte) ':');
                if (colon > 0) {
                    byte[] name = Arrays.copyOfRange(decoded, 0, colon);
                    byte[] secret = Arrays.copyOfRange(decoded, colon + 1, decoded.length);
                    // Both compared in constant time, and both always compared.
                    boolean nameOk = MessageDigest.isEqual(name, user.getBytes(StandardCharsets.UTF_8));
                    boolean secretOk = MessageDigest.isEqual(secret, password);
                    Arrays.fill(decoded, (byte) 0);
                    Arrays.fill(secret, (byte) 0);
                    if (nameOk && secretOk) {
                        throttle.succeeded(client);
                        return new Success(new HttpPrincipal(user, REALM));
                    }
                }
            } catch (IllegalArgumentException badBase64) {
                // falls through to the challenge
            }
        }
        throttle.failed(client);
        exchange.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"" + REALM + "\", charset=\"UTF-8\"");
        return new Retry(401);
    }

    private static int indexOf(byte[] bytes, byte b) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }
}
