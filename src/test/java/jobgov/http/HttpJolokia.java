package jobgov.http;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.jolokia.json.parser.JSONParser;

/** A plain java.net.http client speaking Jolokia's JSON protocol, for tests. */
final class HttpJolokia {
    final String url;
    private final String authorization;
    private final HttpClient http;

    HttpJolokia(String url, String user, String password) {
        this(url, user, password, HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build());
    }

    HttpJolokia(String url, String user, String password, HttpClient http) {
        this.url = url.endsWith("/") ? url : url + "/";
        this.authorization = user == null ? null
                : "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        this.http = http;
    }

    HttpJolokia as(String user, String password) {
        return new HttpJolokia(url, user, password, http);
    }

    HttpResponse<String> get(String path, String... headers) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(url + path)).GET(), headers);
    }

    HttpResponse<String> post(String json, String... headers) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)), headers);
    }

    private HttpResponse<String> send(HttpRequest.Builder b, String... headers) throws Exception {
        b.timeout(Duration.ofSeconds(20));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** One request's JSON answer (HTTP 200 expected: Jolokia reports errors in the body). */
    @SuppressWarnings("unchecked")
    Map<String, Object> request(String json) throws Exception {
        HttpResponse<String> r = post(json);
        if (r.statusCode() != 200) {
            throw new AssertionError("HTTP " + r.statusCode() + ": " + r.body());
        }
        return (Map<String, Object>) new JSONParser().parse(r.body());
    }

    @SuppressWarnings("unchecked")
    List<Map<String, Object>> bulk(String json) throws Exception {
        HttpResponse<String> r = post(json);
        if (r.statusCode() != 200) {
            throw new AssertionError("HTTP " + r.statusCode() + ": " + r.body());
        }
        return (List<Map<String, Object>>) new JSONParser().parse(r.body());
    }

    static int status(Map<String, Object> answer) {
        return ((Number) answer.get("status")).intValue();
    }
}
