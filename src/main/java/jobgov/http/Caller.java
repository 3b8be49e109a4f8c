package jobgov.http;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpPrincipal;

/**
 * Who sent the HTTP request being handled on this thread: an authenticated user or nobody.
 *
 * <p>Jolokia's restrictor decides per attribute and operation but is never told the user.
 * {@link #around(HttpHandler)} wraps Jolokia's handler, which runs after the context's authenticator
 * (a context's filters would run before it) and handles a request, bulk or not, on the calling thread;
 * it publishes the exchange's principal here for {@link AccessRestrictor} and {@link JolokiaHandler} to
 * read. (Jolokia 2.6 runs notification commands without asking the restrictor, and each creates state on
 * the server: {@link JolokiaHandler} refuses them to callers without credentials.)
 */
final class Caller {
    private static final ThreadLocal<HttpPrincipal> CURRENT = new ThreadLocal<>();

    private Caller() {
    }

    static boolean authenticated() {
        return authenticated(CURRENT.get());
    }

    private static boolean authenticated(HttpPrincipal p) {
        return p != null && p != CallerAuthenticator.ANONYMOUS;
    }

    static HttpHandler around(HttpHandler jolokia) {
        return exchange -> {
            CURRENT.set(exchange.getPrincipal());
            try {
                jolokia.handle(exchange);
            } finally {
                CURRENT.remove();
            }
        };
    }
}
