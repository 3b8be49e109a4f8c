package jobgov.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import jobgov.testing.Requirements;
import org.jolokia.json.parser.JSONParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * jolokia.js (Jolokia's own JavaScript client, from npm, run by node) against a governed JVM: reads,
 * a bulk read, a write refused without credentials, and the same write with them reaching the kernel.
 */
class JolokiaJsIT {
    @TempDir
    Path tmp;

    @Test
    @SuppressWarnings("unchecked")
    void jolokiaJsReadsAndWritesWithCredentials() throws Exception {
        Requirements.cgroupV1();
        Requirements.command("node");
        Requirements.command("npm");
        Path js = Path.of("src/test/js").toAbsolutePath();
        if (!Files.isDirectory(js.resolve("node_modules/jolokia.js"))) {
            Process npm = new ProcessBuilder("npm", "install", "--no-audit", "--no-fund", "--silent")
                    .directory(js.toFile()).redirectErrorStream(true).start();
            String log = new String(npm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(npm.waitFor(300, TimeUnit.SECONDS), log);
            Requirements.require(npm.exitValue() == 0, "npm install jolokia.js failed: " + log);
        }
        String job = "jolokia-js-" + UUID.randomUUID().toString().substring(0, 8);
        String password = "pw-" + UUID.randomUUID();
        Path pw = GovernedJvm.writePrivate(tmp, "password", password + "\n");
        int port = GovernedJvm.freePort();
        try (GovernedJvm jvm = GovernedJvm.start("name=" + job + ",await=true,jolokia=127.0.0.1:" + port
                + ",jolokiaUser=ops,jolokiaPasswordFile=" + pw, 2, List.of(), List.of())) {
            ProcessBuilder node = new ProcessBuilder("node", "jolokia-client.mjs", "http://127.0.0.1:" + port + "/jolokia",
                    "jobgov:type=Job,name=" + job, "ops").directory(js.toFile()).redirectErrorStream(true);
            node.environment().put("JOBGOV_JOLOKIA_PASSWORD", password);
            Process p = node.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
            assertEquals(0, p.exitValue(), out + "\n" + jvm.output);
            Map<String, Object> seen = (Map<String, Object>) new JSONParser().parse(out.substring(out.lastIndexOf('\n') + 1));
            assertEquals("2.6.0", seen.get("version"), "the agent version jolokia.js saw: " + out);
            assertTrue(((Number) seen.get("activeProcesses")).intValue() >= 3, out);
            assertEquals(List.of(200L, 200L, 200L), ((List<Object>) seen.get("bulkStatus")).stream().map(o -> ((Number) o).longValue()).toList(), out);
            assertEquals(Boolean.TRUE, seen.get("searchFoundJob"), out);
            assertEquals(403, ((Number) seen.get("anonymousWriteStatus")).intValue(), out);
            assertEquals(200, ((Number) seen.get("operatorWriteStatus")).intValue(), out);
            assertEquals(321, ((Number) seen.get("activeProcessLimit")).intValue(), out);
        }
    }
}
