package jobgov.reliability;

import java.util.ArrayList;
import java.util.List;

/**
 * The governed JVM of {@link KillHostIT} (run with {@code -javaagent:jobgov.jar}): it starts marked
 * {@code sleep}s, half of them double-forked, prints {@code ready}, then, by mode, idles ({@code idle}),
 * keeps spawning more ({@code spawning}), or keeps short-lived children exiting so the policy's exit
 * handler is always running ({@code policy}). It never ends by itself: the test SIGKILLs it.
 */
public final class SpawningHost {
    private SpawningHost() {
    }

    public static void main(String[] args) throws Exception {
        String marker = args[0];
        String mode = args[1];
        List<Process> kept = new ArrayList<>();
        kept.add(marked(marker, 10));
        while (true) {
            switch (mode) {
                case "spawning" -> {
                    kept.add(marked(marker, 2));
                    announce();
                    Thread.sleep(5);
                }
                case "policy" -> {
                    new ProcessBuilder("true").start().waitFor();
                    announce();
                    Thread.sleep(20);
                }
                default -> {
                    announce();
                    Thread.sleep(60_000);
                }
            }
            if (kept.size() > 200) {
                kept.remove(0).destroyForcibly();
            }
        }
    }

    private static boolean announced;

    private static void announce() {
        if (!announced) {
            announced = true;
            System.out.println("ready");
            System.out.flush();
        }
    }

    /** A bash with {@code n} marked sleeps: half its own children, half double-forked away from it. */
    private static Process marked(String marker, int n) throws Exception {
        return new ProcessBuilder("bash", "-c",
                "for ((i=0; i<$2; i++)); do if ((i % 2)); then sleep 1000 \"$1\" & else (sleep 1000 \"$1\" &); fi; done; wait",
                "host", marker, Integer.toString(n))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }
}
