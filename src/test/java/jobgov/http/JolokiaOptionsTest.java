package jobgov.http;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JolokiaOptionsTest {
    @TempDir
    Path tmp;

    Map<String, String> with(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    String refused(Map<String, String> options) {
        return assertThrows(IllegalArgumentException.class, () -> Jolokia.validate(options)).getMessage();
    }

    Path file(String content) throws Exception {
        Path p = Files.createTempFile(tmp, "f", ".txt");
        Files.writeString(p, content);
        Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        return p;
    }

    @Test
    void portAloneBindsLoopback() {
        JolokiaOptions o = JolokiaOptions.parse(with("jolokia", "8778"));
        assertEquals("127.0.0.1", o.address().getAddress().getHostAddress());
        assertEquals(8778, o.address().getPort());
        assertEquals(8779, JolokiaOptions.parse(with("jolokia", "localhost:8779")).address().getPort());
        assertTrue(JolokiaOptions.parse(with("jolokia", "[::1]:8778")).address().getAddress().isLoopbackAddress());
    }

    @Test
    void unknownKeysAreNamed() {
        assertTrue(refused(with("jolokia", "8778", "jolokiaPrt", "1")).contains("'jolokiaPrt'"));
    }

    @Test
    void aPasswordOnTheCommandLineIsRefused() {
        String m = refused(with("jolokia", "8778", "jolokiaUser", "ops", "jolokiaPassword", "hunter2"));
        assertTrue(m.contains("jolokiaPassword") && m.contains("ps"), m);
        assertTrue(!m.contains("hunter2"), "the message must not echo the password: " + m);
    }

    @Test
    void beyondLoopbackWithoutCredentialsIsRefused() throws Exception {
        String m = refused(with("jolokia", "0.0.0.0:8778"));
        assertTrue(m.contains("beyond loopback") && m.contains("jolokiaUser"), m);
        Path pw = file("pw\n");
        assertDoesNotThrow(() -> Jolokia.validate(with("jolokia", "0.0.0.0:8778", "jolokiaUser", "ops",
                "jolokiaPasswordFile", pw.toString())));
    }

    @Test
    void badAddressesAreRefused() {
        assertTrue(refused(with("jolokia", "127.0.0.1:http")).contains("not a port number"));
        assertTrue(refused(with("jolokia", "70000")).contains("out of range"));
        assertTrue(refused(with("jolokia", "")).contains("[HOST:]PORT"));
        assertTrue(refused(with("jolokia", "no-such-host.invalid:8778")).contains("unknown host"));
        assertTrue(refused(with("jolokia", "::1:8778")).contains("[HOST]:PORT"));
    }

    @Test
    void userAndPasswordComeTogether() throws Exception {
        assertTrue(refused(with("jolokia", "8778", "jolokiaUser", "ops")).contains("jolokiaPasswordFile"));
        Path pw = file("pw\n");
        assertTrue(refused(with("jolokia", "8778", "jolokiaPasswordFile", pw.toString())).contains("jolokiaUser"));
        assertTrue(refused(with("jolokia", "8778", "jolokiaUser", "ops", "jolokiaPasswordFile", tmp.resolve("none").toString()))
                .contains("not a readable file"));
        assertTrue(refused(with("jolokia", "8778", "jolokiaUser", "ops", "jolokiaPasswordFile", file("\n").toString()))
                .contains("empty"));
        assertTrue(refused(with("jolokia", "8778", "jolokiaUser", "ops", "jolokiaPasswordEnv", "JOBGOV_NO_SUCH_VARIABLE_X"))
                .contains("no such environment variable"));
        assertTrue(refused(with("jolokia", "8778", "jolokiaUser", "ops", "jolokiaPasswordEnv", "PATH",
                "jolokiaPasswordFile", pw.toString())).contains("not both"));
    }

    @Test
    void thePasswordIsTheFilesFirstLine() throws Exception {
        JolokiaOptions o = JolokiaOptions.parse(with("jolokia", "8778", "jolokiaUser", "ops",
                "jolokiaPasswordFile", file("s3cret\r\nignored\n").toString()));
        assertEquals("s3cret", new String(o.password().orElseThrow().read()));
        JolokiaOptions env = JolokiaOptions.parse(with("jolokia", "8778", "jolokiaUser", "ops", "jolokiaPasswordEnv", "PATH"));
        assertEquals(System.getenv("PATH"), new String(env.password().orElseThrow().read()));
    }

    @Test
    void aPolicyMustBeAJolokiaPolicy() throws Exception {
        assertTrue(refused(with("jolokia", "8778", "jolokiaPolicy", file("<restrict><commands>").toString()))
                .contains("not a valid policy"));
        assertTrue(refused(with("jolokia", "8778", "jolokiaPolicy", file("<policy/>").toString())).contains("<restrict>"));
        assertTrue(refused(with("jolokia", "8778", "jolokiaPolicy",
                file("<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><restrict>&e;</restrict>").toString()))
                .contains("not a valid policy"));
        assertDoesNotThrow(() -> Jolokia.validate(with("jolokia", "8778", "jolokiaPolicy",
                Path.of("agent/jolokia-access.xml").toAbsolutePath().toString())));
    }

    @Test
    void keystoreNeedsItsPasswordFile() throws Exception {
        Path ks = file("x");
        assertTrue(refused(with("jolokia", "8778", "jolokiaKeystore", ks.toString())).contains("jolokiaKeystorePasswordFile"));
        assertTrue(refused(with("jolokia", "8778", "jolokiaKeystorePasswordFile", ks.toString())).contains("jolokiaKeystore="));
    }

    @Test
    void corsTakesExactOrigins() {
        assertEquals(List.of("https://console.example", "http://a.example:8080"),
                JolokiaOptions.parse(with("jolokia", "8778", "jolokiaCors", "https://Console.example http://a.example:8080/")).corsOrigins());
        assertTrue(refused(with("jolokia", "8778", "jolokiaCors", "*")).contains("not an origin"));
        assertTrue(refused(with("jolokia", "8778", "jolokiaCors", "https://*.example")).contains("no wildcards"));
        assertTrue(refused(with("jolokia", "8778", "jolokiaCors", "https://a.example/console")).contains("no path"));
    }

    @Test
    void secretFilesOthersCanReadAreRefused() throws Exception {
        for (String mode : List.of("rw-r--r--", "rw-r-----", "rw----r--", "rwxrwxrwx")) {
            Path pw = file("pw\n");
            Files.setPosixFilePermissions(pw, java.nio.file.attribute.PosixFilePermissions.fromString(mode));
            String why = refused(with("jolokia", "8778", "jolokiaUser", "ops", "jolokiaPasswordFile", pw.toString()));
            assertTrue(why.contains("jolokiaPasswordFile") && why.contains("chmod 600"), why);
            String ks = refused(with("jolokia", "8778", "jolokiaKeystore", pw.toString(), "jolokiaKeystorePasswordFile", file("x\n").toString()));
            assertTrue(ks.contains("jolokiaKeystore=") && ks.contains("chmod 600"), ks);
            Path kp = file("x\n");
            Files.setPosixFilePermissions(kp, java.nio.file.attribute.PosixFilePermissions.fromString(mode));
            String kpw = refused(with("jolokia", "8778", "jolokiaKeystore", file("x").toString(), "jolokiaKeystorePasswordFile", kp.toString()));
            assertTrue(kpw.contains("jolokiaKeystorePasswordFile") && kpw.contains("chmod 600"), kpw);
        }
    }
}
