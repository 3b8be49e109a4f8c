package jobgov.http;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jolokia.json.parser.JSONParser;

/**
 * The jobs of a governed JVM read through its Jolokia endpoint with java.net.http: what
 * {@code jobgov status --url} shows, without JMX RMI. One pattern read per call fetches every job.
 */
public final class RemoteJobs {
    private static final String ATTRIBUTES = "[\"Name\",\"Backend\",\"Location\",\"EventSource\",\"LimitSpec\",\"Counters\",\"ProcessIds\"]";

    private final URI url;
    private final String user;
    private final String authorization;
    private final HttpClient http;

    private RemoteJobs(URI url, String user, String authorization) {
        this.url = url;
        this.user = user;
        this.authorization = authorization;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    /** {@code url} like {@code http://host:8778/jolokia/}; user and password may be null (reads need none). */
    public static RemoteJobs at(String url, String user, char[] password) {
        URI uri;
        try {
            uri = URI.create(url.endsWith("/") ? url : url + "/");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + url + "' is not a URL like http://host:8778/jolokia/");
        }
        if (uri.getScheme() == null || !uri.getScheme().matches("https?") || uri.getHost() == null) {
            throw new IllegalArgumentException("'" + url + "' is not an http(s) URL like http://host:8778/jolokia/");
        }
        String authorization = null;
        if (user != null) {
            ByteBuffer b = StandardCharsets.UTF_8.encode(CharBuffer.wrap((user + ":" + new String(password)).toCharArray()));
            byte[] bytes = Arrays.copyOf(b.array(), b.limit());
            authorization = "Basic " + Base64.getEncoder().encodeToString(bytes);
            Arrays.fill(bytes, (byte) 0);
        }
        return new RemoteJobs(uri, user, authorization);
    }

    /** Whether the URL names this machine by a loopback address or "localhost". */
    public boolean loopback() {
        String host = url.getHost().replaceAll("^\\[|\\]$", "");
        try {
            return host.equalsIgnoreCase("localhost") || java.net.InetAddress.getByName(host).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    /** For the report's header. */
    public String source() {
        return url + (user == null ? "" : " as " + user) + ", Jolokia";
    }

    /** Every job the endpoint exposes, sorted by MBean name. */
    @SuppressWarnings("unchecked")
    public List<RemoteJob> jobs() throws IOException {
        String body = "{\"type\":\"read\",\"mbean\":\"jobgov:type=Job,*\",\"attribute\":" + ATTRIBUTES
                + ",\"config\":{\"ignoreErrors\":\"true\"}}";
        HttpRequest.Builder b = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        HttpResponse<String> r;
        try {
            r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (r.statusCode() == 401) {
            throw new IOException(url + " wants credentials (HTTP 401): " + (user == null ? "give --user" : "wrong user or password"));
        }
        if (r.statusCode() != 200) {
            throw new IOException(url + " answered HTTP " + r.statusCode() + ": " + firstLine(r.body()));
        }
        Map<String, Object> answer;
        try {
            answer = (Map<String, Object>) new JSONParser().parse(r.body());
        } catch (Exception e) {
            throw new IOException(url + " is not a Jolokia endpoint: " + firstLine(r.body()));
        }
        int status = ((Number) answer.getOrDefault("status", 0)).intValue();
        if (status == 404) {
            return List.of();
        }
        if (status != 200) {
            throw new IOException(url + ": Jolokia status " + status + ": " + answer.get("error"));
        }
        List<RemoteJob> jobs = new ArrayList<>();
        Map<String, Object> byMBean = (Map<String, Object>) answer.get("value");
        byMBean.entrySet().stream().sorted(Map.Entry.comparingByKey(Comparator.naturalOrder())).forEach(e -> {
            Map<String, Object> a = (Map<String, Object>) e.getValue();
            Map<String, Long> counters = new LinkedHashMap<>();
            if (a.get("Counters") instanceof Map<?, ?> c) {
                c.forEach((k, v) -> counters.put(k.toString(), v instanceof Number n ? n.longValue() : -1L));
            }
            List<Long> pids = new ArrayList<>();
            if (a.get("ProcessIds") instanceof List<?> l) {
                l.forEach(p -> pids.add(((Number) p).longValue()));
            }
            jobs.add(new RemoteJob(text(a.get("Name")), text(a.get("Backend")), text(a.get("Location")), text(a.get("EventSource")),
                    text(a.get("LimitSpec")), counters, List.copyOf(pids)));
        });
        return jobs;
    }

    private static String text(Object o) {
        return o == null ? "" : o.toString();
    }

    private static String firstLine(String s) {
        String t = s.strip();
        int nl = t.indexOf('\n');
        return nl < 0 ? t : t.substring(0, nl);
    }
}
