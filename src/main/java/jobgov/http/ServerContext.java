package jobgov.http;

import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The one path a {@link BoundedHttpServer} serves, with the JDK's context API: filters run first, then the
 * authenticator, then the handler. {@link #getServer()} is null: this context belongs to no JDK HttpServer.
 */
final class ServerContext extends HttpContext {
    private final String path;
    private final List<Filter> filters = new CopyOnWriteArrayList<>();
    private final Map<String, Object> attributes = new ConcurrentHashMap<>();
    private volatile HttpHandler handler;
    private volatile Authenticator authenticator;

    ServerContext(String path, HttpHandler handler) {
        this.path = path;
        this.handler = handler;
    }

    /** Whether {@code requestPath} is this context's path or below it. */
    boolean serves(String requestPath) {
        return requestPath != null && (requestPath.equals(path) || requestPath.startsWith(path.endsWith("/") ? path : path + "/"));
    }

    @Override public HttpHandler getHandler() { return handler; }
    @Override public void setHandler(HttpHandler h) { handler = h; }
    @Override public String getPath() { return path; }
    @Override public HttpServer getServer() { return null; }
    @Override public Map<String, Object> getAttributes() { return attributes; }
    @Override public List<Filter> getFilters() { return filters; }
    @Override public Authenticator getAuthenticator() { return authenticator; }

    @Override
    public Authenticator setAuthenticator(Authenticator a) {
        Authenticator old = authenticator;
        authenticator = a;
        return old;
    }
}
