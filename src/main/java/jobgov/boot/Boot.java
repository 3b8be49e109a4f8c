package jobgov.boot;

import java.lang.instrument.Instrumentation;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * The only class of jobgov on the host's system class path. It loads the real code (jobgov-core,
 * Groovy, JNA, picocli, Jolokia), nested in this jar, through a private class loader, so none of
 * it is visible to, or clashes with, the host application's own libraries.
 *
 * <p>Never lets a failure of its own reach the host: the agent entry points catch everything and
 * log one line; the agent code itself decides whether {@code require=true} stops the JVM.
 */
public final class Boot {
    private static final String AGENT = "jobgov.agent.Agent";
    private static final String CLI = "jobgov.cli.Main";

    private Boot() {
    }

    /** {@code java -jar jobgov.jar ...}: the command-line tool. */
    public static void main(String[] args) throws Throwable {
        // No host application here, and `attach` needs jdk.attach (an application-loader module).
        ClassLoader loader = NestedJars.loader(ClassLoader.getSystemClassLoader());
        Method main = loader.loadClass(CLI).getMethod("main", String[].class);
        invoke(loader, main, (Object) args);
    }

    /** {@code -javaagent:jobgov.jar=...}: before the host's main. */
    public static void premain(String options, Instrumentation inst) {
        start("premain", options, inst);
    }

    /** Loaded into a running JVM by {@code jobgov attach}. */
    public static void agentmain(String options, Instrumentation inst) {
        start("agentmain", options, inst);
    }

    private static void start(String entry, String options, Instrumentation inst) {
        try {
            // Parent is the platform loader: the agent sees the JDK, never the host's class path.
            ClassLoader loader = NestedJars.loader(ClassLoader.getPlatformClassLoader());
            Method m = loader.loadClass(AGENT).getMethod(entry, String.class, Instrumentation.class);
            invoke(loader, m, options, inst);
        } catch (Throwable t) {
            System.getLogger("jobgov").log(System.Logger.Level.ERROR,
                    "jobgov: agent not started, the host runs ungoverned: " + t);
        }
    }

    private static void invoke(ClassLoader loader, Method m, Object... args) throws Throwable {
        Thread self = Thread.currentThread();
        ClassLoader previous = self.getContextClassLoader();
        self.setContextClassLoader(loader);
        try {
            m.invoke(null, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        } finally {
            self.setContextClassLoader(previous);
        }
    }
}
