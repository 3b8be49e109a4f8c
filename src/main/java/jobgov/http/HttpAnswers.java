package jobgov.http;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Every refusal jobgov's HTTP endpoints send, in one shape: HTTP status {@code N} and the JSON body
 * {@code {"status":N,"error_type":"jobgov.http.KIND","error":"reason"}}, the shape of a Jolokia error, so a
 * client that parses Jolokia answers reads ours too. Built without a JSON library, so that the server and
 * the guards in front of Jolokia (and the metrics endpoint) can share it.
 */
final class HttpAnswers {
    private HttpAnswers() {
    }

    /** The JSON body of a refusal. */
    static byte[] refusal(int status, String reason) {
        return ("{\"status\":" + status + ",\"error_type\":\"jobgov.http." + kind(status) + "\",\"error\":\""
                + escape(reason) + "\"}\n").getBytes(StandardCharsets.UTF_8);
    }

    /** Answers {@code exchange} with a refusal (the headers set so far, e.g. WWW-Authenticate, go with it). */
    static void refuse(HttpExchange exchange, int status, String reason) throws IOException {
        byte[] body = refusal(status, reason);
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        RequestWorkers.waitingForClient();
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    static String kind(int status) {
        return switch (status) {
            case 400 -> "BadRequest";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "NotFound";
            case 405 -> "MethodNotAllowed";
            case 408 -> "RequestTimeout";
            case 411 -> "LengthRequired";
            case 413 -> "RequestTooLarge";
            case 414 -> "RequestLineTooLong";
            case 429 -> "TooManyRequests";
            case 431 -> "HeadersTooLarge";
            case 503 -> "Busy";
            default -> status >= 500 ? "ServerError" : "ClientError";
        };
    }

    /** A JSON string's content: quotes, backslashes and every control or non-ASCII character escaped. */
    static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20 || c > 0x7e) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
