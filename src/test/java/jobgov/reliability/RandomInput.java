package jobgov.reliability;

import java.util.List;
import java.util.Random;
import jobgov.job.LimitSpec;

/** Seeded random input for the fuzz tests: limit specs and agent option strings, mostly near-valid. */
final class RandomInput {
    private static final List<String> JUNK_KEYS = List.of("", "memroy", "MEMORY", "Memory", "x", "processes ", " cpu", "-", "=", "kill_on_close", "\u00e9");
    private static final List<String> AGENT_KEYS = List.of("policy", "name", "cgroup", "kill-on-close", "killOnClose", "watch", "budget",
            "jolokia", "jolokiaUser", "jolokiaCors", "jolokiaPolicy");
    private static final List<String> UNITS = List.of("", "", "k", "m", "g", "t", "K", "M", "G", "%", "x", "b", "ms", "s", "m ", "mb", "MiB", "e3");
    private static final List<String> WORDS = List.of("", "true", "false", "yes", "no", "on", "abc", "0-1", "0,1", "1-0", "0-99999", "high",
            "idle", "realtime", "normal", "kill", "notify", "null", "NaN", "-Infinity", "\u0000", "\u202e", "${x}", "'", "\"", "/tmp", "../..",
            "127.0.0.1:0", ":::", "/dev/null");
    final Random random;

    RandomInput(long seed) {
        random = new Random(seed);
    }

    String value() {
        return switch (random.nextInt(6)) {
            case 0 -> Integer.toString(random.nextInt(2000) - 100) + pick(UNITS);
            case 1 -> Long.toString(random.nextLong()) + pick(UNITS);
            case 2 -> String.format("%.3f", random.nextDouble() * 200 - 20) + pick(UNITS);
            case 3 -> "9".repeat(1 + random.nextInt(30)) + pick(UNITS);
            case 4 -> pick(WORDS);
            default -> Integer.toString(1 + random.nextInt(512)) + pick(List.of("", "m", "k", "%"));
        };
    }

    /** A limit spec such as {@code memory=64m,processes=-3x} (keys mostly real). */
    String limitSpec() {
        StringBuilder b = new StringBuilder();
        int n = 1 + random.nextInt(3);
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                b.append(random.nextInt(20) == 0 ? ",," : ",");
            }
            b.append(random.nextInt(8) == 0 ? pick(JUNK_KEYS) : pick(LimitSpec.KEYS));
            int sep = random.nextInt(20);
            b.append(sep == 0 ? "" : sep == 1 ? "==" : sep == 2 ? " = " : "=");
            b.append(value());
        }
        return b.toString();
    }

    /** An agent option string such as {@code p.groovy,name=web,memory=1x} (never require/await). */
    String agentOptions() {
        StringBuilder b = new StringBuilder();
        if (random.nextBoolean()) {
            b.append(pick(List.of("", "/nonexistent.groovy", "policy.groovy", "=", ",", "name=")));
        }
        int n = random.nextInt(4);
        for (int i = 0; i < n; i++) {
            if (b.length() > 0) {
                b.append(',');
            }
            int kind = random.nextInt(10);
            String key = kind < 4 ? pick(AGENT_KEYS) : kind < 8 ? pick(LimitSpec.KEYS) : pick(JUNK_KEYS);
            b.append(key);
            if (random.nextInt(10) > 0) {
                b.append('=').append(value());
            }
        }
        return b.toString();
    }

    <T> T pick(List<T> from) {
        return from.get(random.nextInt(from.size()));
    }
}
