package jobgov;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layers of docs/architecture.md, kept by the build: every dependency of a main class (imports,
 * fully qualified names, calls, fields, signatures; read from the class files) on another jobgov package
 * must run down the layers as listed in {@link #MAY_USE}. A backend uses only {@code job}; {@code job}
 * uses nothing of jobgov; JNA is used only by the backends that need it.
 *
 * <p>{@link #KNOWN} lists the breaks in the code (none since issue 14 gave the degraded backend and prune their seams), each to be removed by the change that
 * fixes it; the second test fails when a listed break is gone, so the list only shrinks.
 */
class LayeringTest {
    /** Package -> the other jobgov packages its classes may use. */
    static final Map<String, Set<String>> MAY_USE = Map.ofEntries(
            Map.entry("boot", Set.of()), // starts the rest through its own class loader, by the entry interfaces only
            Map.entry("cli", Set.of("agent", "metrics", "jmx", "http", "policy", "job", "boot")),
            Map.entry("agent", Set.of("metrics", "jmx", "http", "policy", "job", "boot")), // boot: AgentEntry
            Map.entry("metrics", Set.of("http", "job")), // reads the MBeans, serves through http's guards
            Map.entry("jmx", Set.of("policy", "job")), // views sit above the policy (sub-jobs published through PolicyViews)
            Map.entry("http", Set.of("job")),
            Map.entry("policy", Set.of("job")),
            Map.entry("job", Set.of()),
            Map.entry("linux", Set.of("job")),
            Map.entry("windows", Set.of("job")),
            Map.entry("degraded", Set.of("job")));

    /** The only packages that may use JNA (native code belongs to the backends). */
    static final Set<String> NATIVE = Set.of("linux", "windows");

    /** "origin class -> target package" breaks in the code today; each goes when its fix lands. */
    static final Set<String> KNOWN = Set.of();

    private static JavaClasses main;

    @BeforeAll
    static void read() {
        main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("jobgov");
    }

    @Test
    void everyMainPackageHasALayer() {
        Set<String> unlisted = new TreeSet<>();
        for (JavaClass c : main) {
            String p = layer(c);
            if (p != null && !MAY_USE.containsKey(p)) {
                unlisted.add(p);
            }
        }
        assertTrue(unlisted.isEmpty(), "packages without a layer in LayeringTest.MAY_USE (and docs/architecture.md): " + unlisted);
        assertTrue(main.size() > 100, "the main classes were not found: " + main.size());
    }

    @Test
    void dependenciesRunDownTheLayers() {
        Set<String> breaks = new TreeSet<>();
        Set<String> seen = new TreeSet<>();
        for (String b : breaks()) {
            String key = key(b);
            seen.add(key);
            if (!KNOWN.contains(key)) {
                breaks.add(b);
            }
        }
        assertTrue(breaks.isEmpty(), "dependencies against the layers of docs/architecture.md:\n  " + String.join("\n  ", breaks));
        Set<String> fixed = new TreeSet<>(KNOWN);
        fixed.removeAll(seen);
        assertEquals(Set.of(), fixed, "these known breaks are gone: remove them from LayeringTest.KNOWN");
    }

    @Test
    void thePolicyLayerKnowsNoJmx() {
        // the Policy MBean, its notifications and the sub-jobs' Job MBeans are jmx's, reached through PolicyViews
        Set<String> uses = new TreeSet<>();
        for (JavaClass c : main) {
            if (!"policy".equals(layer(c))) {
                continue;
            }
            for (Dependency d : c.getDirectDependenciesFromSelf()) {
                String n = d.getTargetClass().getName();
                if (n.startsWith("javax.management.")) { // java.lang.management's thread counters (the budgets) are no JMX
                    uses.add(top(c) + " -> " + n);
                }
            }
        }
        assertEquals(Set.of(), uses);
    }

    @Test
    void theTableRefusesArrowsThatRunUpOrAcross() {
        assertFalse(allowed("policy", "jmx"));
        assertFalse(allowed("jmx", "agent"));
        assertFalse(allowed("linux", "windows"));
        assertFalse(allowed("job", "linux"));
        assertTrue(allowed("cli", "job"));
        assertTrue(allowed("linux", "linux"));
    }

    /** Every dependency against the layers, as "origin -> target (description)". */
    private static Set<String> breaks() {
        Set<String> out = new TreeSet<>();
        for (JavaClass c : main) {
            String from = layer(c);
            if (from == null) {
                continue;
            }
            for (Dependency d : c.getDirectDependenciesFromSelf()) {
                JavaClass target = d.getTargetClass();
                String name = target.getName();
                String to = layer(target);
                boolean wrong = to != null ? !allowed(from, to)
                        : name.startsWith("com.sun.jna.") && !NATIVE.contains(from);
                if (wrong) {
                    out.add(top(c) + " -> " + (to != null ? to : "com.sun.jna") + " (" + d.getDescription() + ")");
                }
            }
        }
        return out;
    }

    private static boolean allowed(String from, String to) {
        return from.equals(to) || MAY_USE.getOrDefault(from, Set.of()).contains(to);
    }

    /** "jobgov.policy.PolicyRuntime -> jmx (...)" -> "jobgov.policy.PolicyRuntime -> jmx". */
    private static String key(String brk) {
        return brk.substring(0, brk.indexOf(" ("));
    }

    /** The jobgov package right under jobgov ("policy"), or null for a class outside jobgov. */
    private static String layer(JavaClass c) {
        String p = c.getPackageName();
        if (!p.startsWith("jobgov.")) {
            return null;
        }
        String rest = p.substring("jobgov.".length());
        int dot = rest.indexOf('.');
        return dot < 0 ? rest : rest.substring(0, dot);
    }

    /** The top-level class, so a lambda or nested class counts as its file. */
    private static String top(JavaClass c) {
        String n = c.getName();
        int dollar = n.indexOf('$');
        return dollar < 0 ? n : n.substring(0, dollar);
    }
}
