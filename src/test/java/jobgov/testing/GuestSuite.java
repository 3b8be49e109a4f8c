package jobgov.testing;

import static org.junit.platform.engine.discovery.ClassNameFilter.includeClassNamePatterns;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClasspathRoots;

import org.junit.platform.engine.discovery.DiscoverySelectors;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Set;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Runs the cgroup v2 kernel tests in one JVM without Maven: what scripts/test starts inside the
 * scripts/cgroup2-guest guest, where Maven's own start-up took about 5 minutes of emulated CPU.
 *
 * <p>{@code java -cp TEST-CLASSPATH jobgov.testing.GuestSuite [CLASS-NAME-REGEX...]}: the test classes under
 * {@code target/test-classes} whose names match (default: every {@code *Cgroup2KernelIT} and
 * {@code Cgroup2UnifiedKernelTest}), or {@code CLASS#METHOD...} for single tests; each test's outcome on one
 * line, exit status 1 when one failed or none passed.
 */
public final class GuestSuite {
    static final String[] DEFAULT = {".*Cgroup2KernelIT", ".*Cgroup2UnifiedKernelTest"};

    public static void main(String[] args) {
        String[] patterns = args.length > 0 ? args : DEFAULT;
        LauncherDiscoveryRequestBuilder b = LauncherDiscoveryRequestBuilder.request();
        if (patterns[0].contains("#")) { // jobgov.linux.FooCgroup2KernelIT#method: just those tests
            b.selectors(java.util.Arrays.stream(patterns).map(DiscoverySelectors::selectMethod).toList());
        } else {
            b.selectors(selectClasspathRoots(Set.of(Path.of(System.getProperty("jobgov.testClasses", "target/test-classes")))))
                    .filters(includeClassNamePatterns(patterns));
        }
        LauncherDiscoveryRequest request = b.build();
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        LauncherFactory.create().execute(request, new Lines(), summary);
        TestExecutionSummary s = summary.getSummary();
        s.printFailuresTo(new PrintWriter(System.out, true), 40);
        System.out.printf("guest suite: %d tests, %d passed, %d failed, %d skipped, %d aborted, %.1f s%n", s.getTestsFoundCount(),
                s.getTestsSucceededCount(), s.getTotalFailureCount(), s.getTestsSkippedCount(), s.getTestsAbortedCount(),
                (s.getTimeFinished() - s.getTimeStarted()) / 1000.0);
        System.exit(s.getTotalFailureCount() == 0 && s.getTestsSucceededCount() > 0 ? 0 : 1);
    }

    /** One line per finished test, with the time it took (under emulation that is what one watches). */
    private static final class Lines implements TestExecutionListener {
        private final java.util.Map<String, Long> started = new java.util.concurrent.ConcurrentHashMap<>();

        @Override
        public void executionStarted(TestIdentifier id) {
            started.put(id.getUniqueId(), System.nanoTime());
        }

        @Override
        public void executionSkipped(TestIdentifier id, String reason) {
            System.out.println("SKIPPED " + name(id) + ": " + reason);
        }

        @Override
        public void executionFinished(TestIdentifier id, TestExecutionResult result) {
            if (!id.isTest() && result.getStatus() == TestExecutionResult.Status.SUCCESSFUL) {
                return;
            }
            long ms = (System.nanoTime() - started.getOrDefault(id.getUniqueId(), System.nanoTime())) / 1_000_000;
            System.out.printf("%-10s %s (%.1f s)%s%n", result.getStatus(), name(id), ms / 1000.0,
                    result.getThrowable().map(t -> ": " + t).orElse(""));
        }

        private static String name(TestIdentifier id) {
            return id.getSource().filter(MethodSource.class::isInstance).map(MethodSource.class::cast)
                    .map(m -> m.getClassName().replace("jobgov.", "") + "." + m.getMethodName())
                    .orElse(id.getDisplayName());
        }
    }
}
