package jobgov.http;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The load client of {@code scripts/bench-jolokia}: GET-reads of job counters and of
 * java.lang:type=Memory against the same Jolokia server, alternating in rounds so that both see the
 * same machine, and prints requests/s per round, the medians and their ratio.
 *
 * <p>Usage: {@code JolokiaLoad URL JOB_MBEAN ROUNDS SECONDS_PER_ROUND THREADS}
 */
public final class JolokiaLoad {
    private JolokiaLoad() {
    }

    public static void main(String[] args) throws Exception {
        String url = args[0].endsWith("/") ? args[0] : args[0] + "/";
        String job = args[1];
        int rounds = Integer.parseInt(args[2]);
        double seconds = Double.parseDouble(args[3]);
        int threads = Integer.parseInt(args[4]);
        String counters = url + "read/" + job + "/ActiveProcesses,TotalProcesses,TotalUserTimeMillis,JobMemoryUsedBytes";
        String memory = url + "read/java.lang:type=Memory/HeapMemoryUsage";
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        // warm-up: JIT, connections, Jolokia's caches
        run(http, counters, 1.0, threads);
        run(http, memory, 1.0, threads);
        double[] a = new double[rounds];
        double[] b = new double[rounds];
        for (int i = 0; i < rounds; i++) {
            a[i] = run(http, counters, seconds, threads);
            b[i] = run(http, memory, seconds, threads);
            System.out.printf("round %d: job counters %.0f req/s, java.lang:type=Memory %.0f req/s%n", i + 1, a[i], b[i]);
        }
        double ma = median(a);
        double mb = median(b);
        System.out.printf("median: job counters %.0f req/s, java.lang:type=Memory %.0f req/s, ratio %.2f%n", ma, mb, ma / mb);
    }

    /** Requests per second over {@code seconds}, {@code threads} clients each sending one request at a time. */
    static double run(HttpClient http, String url, double seconds, int threads) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build();
        AtomicLong ok = new AtomicLong();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        List<Thread> workers = new ArrayList<>();
        long start = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            Thread w = new Thread(() -> {
                try {
                    while (System.nanoTime() < end) {
                        HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() != 200 || !r.body().contains("\"status\":200")) {
                            throw new IllegalStateException("bad answer from " + url + ": " + r.body());
                        }
                        ok.incrementAndGet();
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            w.start();
            workers.add(w);
        }
        for (Thread w : workers) {
            w.join();
        }
        return ok.get() / ((System.nanoTime() - start) / 1e9);
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
