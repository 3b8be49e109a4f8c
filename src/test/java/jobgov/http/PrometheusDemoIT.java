package jobgov.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.Test;

/**
 * scripts/prometheus-demo end to end: jobgov and the Prometheus JMX exporter in one governed JVM with
 * three children, Debian's prometheus scraping it, and a PromQL query answering the job's active processes.
 */
class PrometheusDemoIT {
    @Test
    void prometheusAnswersTheGovernedJvmsActiveProcesses() throws Exception {
        Requirements.cgroupV1();
        Requirements.command("prometheus");
        Requirements.command("curl");
        Requirements.jobgovJar();
        Process p = new ProcessBuilder(Path.of("scripts", "prometheus-demo").toString()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        boolean done = p.waitFor(180, TimeUnit.SECONDS);
        if (!done) {
            p.destroy(); // the script's trap removes what it started
            p.waitFor(20, TimeUnit.SECONDS);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(done, "prometheus-demo did not finish:\n" + out);
        assertEquals(0, p.exitValue(), out);
        Matcher m = Pattern.compile("active processes of governed JVM \\d+ \\(job [^)]+\\): (\\d+)").matcher(out);
        assertTrue(m.find(), out);
        // the host JVM and its three children
        assertEquals(4, Integer.parseInt(m.group(1)), out);
    }
}
