package jobgov.agent;

import java.lang.reflect.Method;

/**
 * A host application carrying its own Groovy (3.x) and JNA on its class path, run with the agent (which
 * loads Groovy 4 and JNA 5.19 privately). Uses both only by reflection, so it compiles without them, and
 * prints what it saw: {@code groovy VERSION RESULT}, {@code jna VERSION GETPID}, {@code jobgov-visible BOOLEAN}.
 */
public final class IsolationHost {
    private IsolationHost() {
    }

    public static void main(String[] args) throws Exception {
        Class<?> shell = Class.forName("groovy.lang.GroovyShell");
        Object result = shell.getMethod("evaluate", String.class).invoke(shell.getConstructor().newInstance(),
                "def xs = [1, 2, 3]; xs.collect { it * 7 }.sum() + ':' + GroovySystem.version");
        String groovyVersion = (String) Class.forName("groovy.lang.GroovySystem").getMethod("getVersion").invoke(null);
        System.out.println("groovy " + groovyVersion + " " + result);

        Class<?> nativeClass = Class.forName("com.sun.jna.Native");
        java.lang.reflect.Field version = nativeClass.getField("VERSION"); // declared by a package-private interface
        version.setAccessible(true);
        String jnaVersion = (String) version.get(null);
        Class<?> library = Class.forName("com.sun.jna.NativeLibrary");
        Object libc = library.getMethod("getInstance", String.class).invoke(null, "c");
        Object getpid = library.getMethod("getFunction", String.class).invoke(libc, "getpid");
        Method invokeInt = getpid.getClass().getMethod("invokeInt", Object[].class);
        System.out.println("jna " + jnaVersion + " " + invokeInt.invoke(getpid, (Object) new Object[0]) + " " + ProcessHandle.current().pid());

        boolean visible;
        try {
            Class.forName("jobgov.job.Job");
            visible = true;
        } catch (ClassNotFoundException e) {
            visible = false;
        }
        boolean bootVisible;
        try {
            Class.forName("jobgov.boot.Boot");
            bootVisible = true;
        } catch (ClassNotFoundException e) {
            bootVisible = false;
        }
        String job = System.getProperty("jobgov.job");
        if (job != null) {
            // plain JMX, no jobgov classes: what the agent's policy did to the job
            Object spec = java.lang.management.ManagementFactory.getPlatformMBeanServer()
                    .getAttribute(new javax.management.ObjectName("jobgov:type=Job,name=" + job), "LimitSpec");
            System.out.println("limits " + spec);
        }
        System.out.println("jobgov-visible " + visible + " boot-visible " + bootVisible
                + " job=" + System.getProperty("jobgov.job") + " status=" + System.getProperty("jobgov.agent.status"));
        System.out.flush();
    }
}
