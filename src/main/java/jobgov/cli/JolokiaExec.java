package jobgov.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A Jolokia exec request on a job's MBean ({@code set}/{@code terminate} with --url): one POST, the agent's credentials. */
final class JolokiaExec {
    private final URI url;
    private final String authorization;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    JolokiaExec(String url, String user, char[] password) {
        this.url = URI.create(url.endsWith("/") ? url : url + "/");
        this.authorization = user == null ? null
                : "Basic " + Base64.getEncoder().encodeToString((user + ":" + new String(password == null ? new char[0] : password)).getBytes(StandardCharsets.UTF_8));
    }

    void exec(String job, String operation, Object argument) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "exec");
        body.put("mbean", jobgov.jmx.JobMBeans.objectName(job).toString());
        body.put("operation", operation);
        body.put("arguments", List.of(argument));
        HttpRequest.Builder req = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(Json.write(body)));
        if (authorization != null) {
            req.header("Authorization", authorization);
        }
        HttpResponse<String> r;
        try {
            r = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
        if (r.statusCode() == 401 || r.statusCode() == 403) {
            throw new IOException(url + " refused the " + operation + " (HTTP " + r.statusCode() + "): writes need --user and its password");
        }
        String b = r.body();
        if (r.statusCode() != 200 || !b.contains("\"status\":200")) {
            int at = b.indexOf("\"error\":\"");
            String why = at < 0 ? "HTTP " + r.statusCode() : b.substring(at + 9, Math.max(at + 9, b.indexOf('"', at + 9)));
            throw new IOException(why.replaceFirst("^[a-zA-Z.]+Exception : ", ""));
        }
    }
}
