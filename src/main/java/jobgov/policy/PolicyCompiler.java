package jobgov.policy;

import groovy.lang.GroovyClassLoader;
import groovy.lang.GroovyCodeSource;
import groovy.transform.ThreadInterrupt;
import java.nio.file.Path;
import java.time.Duration;
import jobgov.job.Job;
import jobgov.job.JobCounters;
import jobgov.job.JobEvent;
import jobgov.job.JobLimits;
import jobgov.job.Limit;
import jobgov.job.Units;
import org.codehaus.groovy.control.CompilationFailedException;
import org.codehaus.groovy.control.CompilerConfiguration;
import org.codehaus.groovy.control.MultipleCompilationErrorsException;
import org.codehaus.groovy.control.customizers.ASTTransformationCustomizer;
import org.codehaus.groovy.control.customizers.ImportCustomizer;
import org.codehaus.groovy.control.messages.ExceptionMessage;
import org.codehaus.groovy.control.messages.Message;
import org.codehaus.groovy.control.messages.SimpleMessage;
import org.codehaus.groovy.control.messages.SyntaxErrorMessage;
import org.codehaus.groovy.syntax.SyntaxException;

/**
 * Compiles a policy once: the DSL base class, the event types and units imported, and
 * {@link PolicyInterrupt}'s check woven into every loop, closure and method so a handler over its time or
 * allocation budget can be stopped. Each compile gets its own {@link GroovyClassLoader}, a child of the loader of jobgov.
 */
final class PolicyCompiler {
    private PolicyCompiler() {
    }

    record Compiled(GroovyClassLoader loader, Class<? extends PolicyScript> type) {
    }

    static CompilerConfiguration configuration() {
        CompilerConfiguration config = new CompilerConfiguration();
        config.setScriptBaseClass(PolicyScript.class.getName());
        config.setSourceEncoding("UTF-8");
        ImportCustomizer imports = new ImportCustomizer();
        for (Class<?> event : JobEvent.class.getPermittedSubclasses()) {
            imports.addImport(event.getSimpleName(), event.getName());
        }
        imports.addImports(JobEvent.class.getName(), Limit.class.getName(), JobLimits.class.getName(),
                JobCounters.class.getName(), Job.class.getName(), Units.class.getName(), Duration.class.getName(),
                PolicyProcess.class.getName());
        imports.addStaticStars(PolicyUnits.class.getName(), PolicySleep.class.getName());
        config.addCompilationCustomizers(imports,
                new ASTTransformationCustomizer(ThreadInterrupt.class, PolicyInterrupt.class.getName(), PolicyCompiler.class.getClassLoader()));
        return config;
    }

    /**
     * Compiles {@code text} as {@code file}. Throws {@link IllegalArgumentException} whose message
     * starts with {@code file:line:column:} on a compile error.
     */
    @SuppressWarnings("unchecked")
    static Compiled compile(Path file, String text) {
        ClassLoader jobgov = PolicyCompiler.class.getClassLoader();
        Thread self = Thread.currentThread();
        ClassLoader previous = self.getContextClassLoader();
        // jobgov runs in a private loader: Groovy looks some things up through the context loader.
        self.setContextClassLoader(jobgov);
        GroovyClassLoader loader = new GroovyClassLoader(jobgov, configuration());
        boolean ok = false;
        try {
            Class<?> type = loader.parseClass(new GroovyCodeSource(text, file.getFileName().toString(), "/jobgov/policy"), false);
            if (!PolicyScript.class.isAssignableFrom(type)) {
                throw new IllegalArgumentException(file + ":1:1: a policy is a script, not a class declaration");
            }
            ok = true;
            return new Compiled(loader, (Class<? extends PolicyScript>) type);
        } catch (MultipleCompilationErrorsException e) {
            throw new IllegalArgumentException(describe(file, e), e);
        } catch (CompilationFailedException e) {
            throw new IllegalArgumentException(file + ":1:1: " + e.getMessage(), e);
        } finally {
            self.setContextClassLoader(previous);
            if (!ok) {
                loader.clearCache();
            }
        }
    }

    /** {@code file:line:column: message} for the first error, then how many more there are. */
    static String describe(Path file, MultipleCompilationErrorsException e) {
        var errors = e.getErrorCollector().getErrors();
        if (errors == null || errors.isEmpty()) {
            return file + ":1:1: " + e.getMessage();
        }
        String first = describe(file, errors.get(0));
        return errors.size() == 1 ? first : first + " (and " + (errors.size() - 1) + " more error" + (errors.size() > 2 ? "s" : "") + ")";
    }

    private static String describe(Path file, Message m) {
        if (m instanceof SyntaxErrorMessage s) {
            SyntaxException x = s.getCause();
            return file + ":" + x.getLine() + ":" + x.getStartColumn() + ": " + x.getOriginalMessage();
        }
        if (m instanceof ExceptionMessage x) {
            return file + ":1:1: " + x.getCause();
        }
        if (m instanceof SimpleMessage x) {
            return file + ":1:1: " + x.getMessage();
        }
        return file + ":1:1: " + m;
    }
}
