package jobgov.http;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.net.InetAddress;
import java.util.Locale;

/**
 * DNS rebinding guard for a server bound to loopback: a web page whose name the attacker re-points at
 * 127.0.0.1 makes the browser send its own name as {@code Host}. Only {@code localhost} and loopback address
 * literals ({@code 127.0.0.1}, {@code [::1]}), with or without a port, are answered; any other Host gets
 * HTTP 403 before authentication and before Jolokia. A request without Host (HTTP/1.0 tools) is no
 * browser's and passes.
 */
final class HostCheck extends Filter {
    @Override
    public String description() {
        return "jobgov: Host must name loopback";
    }

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        String host = exchange.getRequestHeaders().getFirst("Host");
        if (host == null || loopback(host)) {
            chain.doFilter(exchange);
            return;
        }
        HttpAnswers.refuse(exchange, 403, "Host '" + RequestHead.printable(host) + "' is not this loopback server's name; "
                + "use localhost or 127.0.0.1");
    }

    static boolean loopback(String hostHeader) {
        String h = hostHeader.trim().toLowerCase(Locale.ROOT);
        String name;
        if (h.startsWith("[")) {
            int close = h.indexOf(']');
            if (close < 0 || !portOrNothing(h.substring(close + 1))) {
                return false;
            }
            name = h.substring(1, close);
            return name.indexOf(':') >= 0 && loopbackLiteral(name);
        }
        int colon = h.indexOf(':');
        name = colon < 0 ? h : h.substring(0, colon);
        if (colon >= 0 && !portOrNothing(h.substring(colon))) {
            return false;
        }
        return name.equals("localhost") || (name.matches("[0-9.]+") && loopbackLiteral(name));
    }

    private static boolean portOrNothing(String rest) {
        return rest.isEmpty() || rest.matches(":[0-9]{1,5}");
    }

    /** Only literals: InetAddress does no name lookup for them. */
    private static boolean loopbackLiteral(String literal) {
        try {
            return (literal.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}") || literal.matches("[0-9a-f:.]+"))
                    && InetAddress.getByName(literal).isLoopbackAddress();
        } catch (IOException e) {
            return false;
        }
    }
}
