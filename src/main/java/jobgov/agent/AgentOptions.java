package jobgov.agent;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jobgov.http.Jolokia;
import jobgov.job.JobLimits;
import jobgov.job.JobSpec;
import jobgov.job.LimitCatalog;
import jobgov.job.LimitSpec;
import jobgov.job.Units;
import jobgov.metrics.Metrics;
import jobgov.policy.PolicyFile;
import jobgov.policy.PolicyOptions;

/**
 * The agent's argument: {@code [POLICY][,key=value...]}, e.g. {@code policy.groovy,name=web,memory=512m,jolokia=127.0.0.1:8778}.
 *
 * <p>Keys may be kebab-case or camelCase ({@code kill-on-close} or {@code killOnClose}); every limit of
 * {@link LimitCatalog} is an option under its key; switches take true/false, yes/no, on/off or 1/0. A piece
 * without '=' continues the previous value, so CPU lists keep their commas ({@code affinity=0-1,3});
 * only the very first piece may be a bare policy path. Unknown keys are an error naming the key.
 *
 * @param raw         the argument as given ("" when none)
 * @param policy      the policy file, or null
 * @param name        the job name, or null for the default (main class and pid)
 * @param cgroup      the parent cgroup on Linux, or null for the JVM's own cgroup
 * @param killOnClose kill the job's processes when the JVM exits (default true)
 * @param await       main waits until the policy and Jolokia are live
 * @param require     any failure stops the JVM before main (exit code 1)
 * @param limits      the limits given as options, applied before main
 * @param policyOptions the options handed to the policy engine ({@code name}, {@code watch}, {@code budget}, {@code queue}, {@code allocation}, {@code param.*})
 * @param jolokia     every option whose key starts with "jolokia", keys as written
 * @param metrics     every option whose key starts with "metrics" (the built-in Prometheus endpoint), keys as written
 */
public record AgentOptions(
        String raw,
        String policy,
        String name,
        String cgroup,
        boolean killOnClose,
        boolean await,
        boolean require,
        JobLimits limits,
        Map<String, String> policyOptions,
        Map<String, String> jolokia,
        Map<String, String> metrics) {

    /** The agent's own keys (besides the limit keys of {@link LimitSpec#KEYS} and jolokia*). */
    public static final List<String> KEYS = List.of("policy", "name", "cgroup", "kill-on-close", "await", "require", "watch", "budget",
            "queue", "allocation", "param.NAME");

    public AgentOptions {
        policyOptions = Map.copyOf(policyOptions);
        jolokia = Map.copyOf(jolokia);
        metrics = Map.copyOf(metrics);
    }

    /**
     * Whether these options set any limit (kill-on-close aside: it is never a requested limit here, only turned off):
     * then they are in force when main runs, or main does not run.
     */
    public boolean limited() {
        return !limits.requested().isEmpty();
    }

    /** Throws IllegalArgumentException with one clear line on any bad piece. */
    public static AgentOptions parse(String text) {
        String raw = text == null ? "" : text.trim();
        String policy = null;
        String name = null;
        String cgroup = null;
        boolean killOnClose = true;
        boolean await = false;
        boolean require = false;
        Map<String, String> policyOptions = new LinkedHashMap<>();
        Map<String, String> jolokia = new LinkedHashMap<>();
        Map<String, String> metrics = new LinkedHashMap<>();
        Map<String, String> limitValues = new LinkedHashMap<>();

        List<String[]> pairs = pairs(raw);
        for (int i = 0; i < pairs.size(); i++) {
            String[] kv = pairs.get(i);
            if (kv[0] == null) {
                policy = nonEmpty("policy", kv[1]);
                continue;
            }
            String written = kv[0];
            String value = kv[1];
            if (written.toLowerCase(Locale.ROOT).startsWith("jolokia")) {
                jolokia.put(written, value);
                continue;
            }
            if (written.toLowerCase(Locale.ROOT).startsWith("metrics")) {
                metrics.put(written, value);
                continue;
            }
            if (written.startsWith("param.") && written.length() > "param.".length()) {
                // policy parameters keep the policy author's spelling: param('maxChildren', 8)
                policyOptions.put(written, value);
                continue;
            }
            String key = normalize(written);
            switch (key) {
                case "policy" -> policy = nonEmpty(key, value);
                case "name" -> name = nonEmpty(key, value);
                case "cgroup" -> cgroup = nonEmpty(key, value);
                case "kill-on-close" -> killOnClose = bool(key, value);
                case "await" -> await = bool(key, value);
                case "require" -> require = bool(key, value);
                case "watch", "budget", "queue", "allocation" -> policyOptions.put(key, nonEmpty(key, value));
                default -> {
                    if (LimitCatalog.find(key).isEmpty()) {
                        throw new IllegalArgumentException("unknown option '" + written + "' (agent options: " + String.join(", ", KEYS)
                                + ", jolokia*, metrics*, or a limit such as memory, processes, cpu)");
                    }
                    limitValues.put(key, value);
                }
            }
        }
        JobLimits limits;
        try {
            limits = LimitSpec.apply(limitValues, JobLimits.NONE);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad limit option: " + e.getMessage(), e);
        }
        // Kill-on-close is every job's default (null); only turning it off is written into the limits, so a
        // backend without a kernel kill-on-close (degraded: best effort) does not refuse the default.
        limits = limits.toBuilder().killOnClose(killOnClose ? null : Boolean.FALSE).build();
        PolicyOptions.check(policyOptions); // budget=, queue=, allocation=, watch= stop the start even without a policy
        return new AgentOptions(raw, policy, name, cgroup, killOnClose, await, require, limits, policyOptions, jolokia, metrics);
    }

    /**
     * Everything about the options that can be checked before anything is created: the job name, the
     * jolokia* and metrics* keys, the policy file (readable, and writable only by its owner). Throws
     * IllegalArgumentException with one line naming the option; returns this.
     */
    public AgentOptions validate() {
        if (name != null) {
            try {
                JobSpec.named(name);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("option 'name': " + e.getMessage(), e);
            }
        }
        try {
            JobSpec.checkParent(cgroup); // only a cgroup inside the hierarchy, refused before any mkdir
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("option 'cgroup': " + e.getMessage(), e);
        }
        if (!jolokia.isEmpty()) {
            Jolokia.validate(jolokia);
        }
        if (!metrics.isEmpty()) {
            Metrics.validate(metrics);
        }
        if (policy != null) {
            if (!Files.isReadable(Path.of(policy))) {
                throw new IllegalArgumentException("policy file '" + policy + "' not found or not readable");
            }
            PolicyFile.check(Path.of(policy));
        }
        return this;
    }

    /** The policy engine's options: the job name plus {@code watch}, {@code budget}, {@code queue}, {@code allocation} and {@code param.*} when given. */
    public Map<String, String> policyOptions(String jobName) {
        Map<String, String> m = new LinkedHashMap<>(policyOptions);
        m.put("name", jobName);
        return m;
    }

    /** Pairs in order; a bare first piece is the policy ({@code {null, path}}). */
    private static List<String[]> pairs(String raw) {
        List<String[]> out = new ArrayList<>();
        if (raw.isEmpty()) {
            return out;
        }
        String[] pieces = raw.split(",", -1);
        for (int i = 0; i < pieces.length; i++) {
            String piece = pieces[i];
            int eq = piece.indexOf('=');
            if (eq < 0) {
                if (i == 0) {
                    out.add(new String[] {null, piece.trim()});
                } else if (!out.isEmpty() && out.get(out.size() - 1)[0] != null) {
                    String[] last = out.get(out.size() - 1);
                    last[1] = last[1] + "," + piece.trim();
                } else {
                    throw new IllegalArgumentException("expected key=value, got '" + piece.trim() + "' in agent options '" + raw + "'");
                }
                continue;
            }
            String key = piece.substring(0, eq).trim();
            if (key.isEmpty()) {
                throw new IllegalArgumentException("missing key before '=' in '" + piece.trim() + "' (agent options '" + raw + "')");
            }
            for (String[] seen : out) {
                if (seen[0] != null && normalize(seen[0]).equals(normalize(key))) {
                    throw new IllegalArgumentException("option '" + key + "' given twice in agent options '" + raw + "'");
                }
            }
            out.add(new String[] {key, piece.substring(eq + 1).trim()});
        }
        return out;
    }

    /** {@code killOnClose} or {@code kill_on_close} to {@code kill-on-close}: the limits' one normalizer. */
    static String normalize(String key) {
        return LimitCatalog.normalize(key);
    }

    private static String nonEmpty(String key, String v) {
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("option '" + key + "' needs a value");
        }
        return v;
    }

    private static boolean bool(String key, String v) {
        try {
            return Units.parseBoolean(v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("option '" + key + "': " + e.getMessage(), e);
        }
    }
}
