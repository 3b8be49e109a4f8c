package jobgov.boot;

import java.lang.instrument.Instrumentation;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * The only class of jobgov on the host's system class path. It loads the real code (jobgov-core,
 * Groovy, JNA, picocli, Jolokia), nested in this jar, through a private class loader, so none of
 * it is visible to, or clashes with, the host application's own libraries.
 *
 * <p>Never lets a failure of its own reach the host: the agent entry points catch everything and
 * log one line; the agent code itself decides whether {@code require=true} stops the JVM.
 */
public final class Boot {
    private Boot() {
    }

    /** {@code java -jar jobgov.jar ...}: the command-line tool. */
    public static void main(String[] args) throws Throwable {
        // No host application here, and `attach` needs jdk.attach (an application-loader module).
        ClassLoader loader = NestedJars.loader(ClassLoader.getSystemClassLoader());
        CommandEntry cli = entry(CommandEntry.class, loader);
        ClassLoader previous = enter(loader);
        try {
            cli.run(args);
        } finally {
            Thread.currentThread().setContextClassLoader(previous);
        }
    }

    /** {@code -javaagent:jobgov.jar=...}: before the host's main. */
    public static void premain(String options, Instrumentation inst) {
        start(false, options, inst);
    }

    /** Loaded into a running JVM by {@code jobgov attach}. */
    public static void agentmain(String options, Instrumentation inst) {
        start(true, options, inst);
    }

    private static void start(boolean attached, String options, Instrumentation inst) {
        try {
            // Parent is the platform loader: the agent sees the JDK, never the host's class path.
            ClassLoader loader = NestedJars.loader(ClassLoader.getPlatformClassLoader());
            AgentEntry agent = entry(AgentEntry.class, loader);
            ClassLoader previous = enter(loader);
            try {
                if (attached) {
                    agent.agentmain(options, inst);
                } else {
                    agent.premain(options, inst);
                }
            } finally {
                Thread.currentThread().setContextClassLoader(previous);
            }
        } catch (Throwable t) {
            System.getLogger("jobgov").log(System.Logger.Level.ERROR,
                    "jobgov: agent not started, the host runs ungoverned: " + t);
        }
    }

    /** The one implementation of {@code type} in jobgov's own loader (its jobgov-core jar's service file). */
    private static <T> T entry(Class<T> type, ClassLoader loader) {
        for (T t : ServiceLoader.load(type, loader)) {
            if (t.getClass().getClassLoader() == loader) {
                return t;
            }
        }
        throw new ServiceConfigurationError("no " + type.getName() + " in jobgov's nested jars (was the jar built with mvn package?)");
    }

    /**
     * Makes jobgov's loader the thread's context loader (Groovy, ServiceLoader and JNA look there) and returns the
     * previous one. Not a lambda-taking helper: the first lambda of a JVM costs premain ~10 ms.
     */
    private static ClassLoader enter(ClassLoader loader) {
        Thread self = Thread.currentThread();
        ClassLoader previous = self.getContextClassLoader();
        self.setContextClassLoader(loader);
        return previous;
    }
}
