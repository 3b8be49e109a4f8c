package jobgov.windows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.Test;

/**
 * The Win32 call sequences behind issue 13's fixes, as a mingw-w64 program (src/test/native/wine-replay.c)
 * run under Wine 8 by scripts/wine-replay: job membership, nesting, conhost.exe joining the job with a
 * CREATE_NO_WINDOW child, closing a second (opened) handle versus the last one with kill-on-close,
 * terminating a member through a handle checked with IsProcessInJob and recognising a non-member.
 * Wine is not Windows and enforces no limit; this shows the calls and the semantics Wine implements.
 * CI installs gcc-mingw-w64-x86-64 and wine64 (scripts/install-deps); strict mode fails without them.
 */
class WineReplayIT {

    @Test
    void theBackendsCallSequencesBehaveUnderWine() throws Exception {
        Requirements.command("x86_64-w64-mingw32-gcc");
        Requirements.require(Files.isExecutable(Path.of("/usr/lib/wine/wine64")) || Files.isExecutable(Path.of("/usr/bin/wine64")),
                "needs Wine 8 (Debian wine64, installed by scripts/install-deps)");
        Process p = new ProcessBuilder("scripts/wine-replay").redirectErrorStream(true).start();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = read(in, p);
        } finally {
            if (p.isAlive()) {
                p.destroy(); // TERM: the script's trap stops its wineserver and removes the prefix
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                }
            }
        }
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("0 failure(s)"), out);
        for (String line : List.of(
                "OK   JOB_LIST: child process is in the nested job",
                "OK   CREATE_NO_WINDOW: a conhost.exe joins the job with the child",
                "OK   closing an opened handle leaves the job's process running",
                "OK   closing the creator's (last) handle ends it (kill-on-close)",
                "OK   a member opened by pid: IsProcessInJob says so",
                "OK   TerminateProcess through that handle",
                "OK   a process outside the job: IsProcessInJob says no, it is left alone",
                "OK   IsProcessInJob(self, NULL) answers")) {
            assertTrue(out.contains(line), "missing '" + line + "' in:\n" + out);
        }
    }

    /** The whole output, or what came within 5 minutes (then the process is ended by the caller). */
    private static String read(InputStream in, Process p) throws IOException, InterruptedException {
        StringBuilder sb = new StringBuilder();
        Thread reader = new Thread(() -> {
            try {
                sb.append(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                sb.append("\n(read failed: ").append(e).append(')');
            }
        });
        reader.start();
        boolean ended = p.waitFor(5, TimeUnit.MINUTES);
        if (ended) {
            reader.join(60_000); // EOF only once every holder of the pipe is gone
        }
        synchronized (sb) {
            return ended ? sb.toString() : "(wine-replay still running after 5 minutes)\n" + sb;
        }
    }
}
