package jobgov.http;

import java.io.ByteArrayInputStream;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.management.ObjectName;
import org.jolokia.server.core.restrictor.policy.MBeanAccessChecker;
import org.jolokia.server.core.restrictor.policy.PolicyRestrictor;
import org.jolokia.server.core.service.api.Restrictor;
import org.jolokia.server.core.util.HttpMethod;
import org.jolokia.server.core.util.RequestType;
import org.w3c.dom.Document;

/**
 * What an HTTP caller may do: a Jolokia access policy (jobgov's default or the user's), read with
 * three additions Jolokia's own {@link PolicyRestrictor} cannot express.
 *
 * <ol>
 * <li>A caller without credentials may only read, list, search and ask the version, whatever the
 *     policy says: Jolokia's restrictor never learns who the caller is ({@link Caller} tells us); and it
 *     never reads the {@link #sensitive} JDK attributes.</li>
 * <li>When the policy has an {@code <allow>} section, it is the complete list of attributes an
 *     authenticated user may write and operations they may execute. (Jolokia 2.6 consults
 *     {@code <allow>} only for command types missing from {@code <commands>}, and those are refused
 *     before it gets that far, so once {@code write} and {@code exec} are listed every MBean would
 *     be writable.) A policy without {@code <allow>} keeps Jolokia's meaning.</li>
 * <li>Cross-origin (CORS) access only for the origins in {@code jolokiaCors}, else for those in the
 *     policy's {@code <cors>} section, else for none: Jolokia without a {@code <cors>} section (or with
 *     an empty one) echoes any Origin with credentials allowed. Requests carrying a foreign Origin
 *     are refused outright (strict checking), which stops cross-site request forgery from a browser.</li>
 * </ol>
 */
final class AccessRestrictor implements Restrictor {
    private static final Set<RequestType> ANONYMOUS_TYPES =
            Set.of(RequestType.READ, RequestType.LIST, RequestType.SEARCH, RequestType.VERSION);

    private final PolicyRestrictor policy;
    private final MBeanAccessChecker allowList;
    private final boolean policyHasCors;
    private final List<String> corsOrigins;

    AccessRestrictor(byte[] policyXml, Document policyDoc, List<String> corsOrigins) {
        this.policy = new PolicyRestrictor(new ByteArrayInputStream(policyXml));
        try {
            this.allowList = policyDoc.getElementsByTagName("allow").getLength() > 0
                    || policyDoc.getElementsByTagName("mbeans").getLength() > 0
                    ? new MBeanAccessChecker(policyDoc) : null;
        } catch (Exception e) {
            throw new IllegalArgumentException("invalid MBean name in the access policy: " + e.getMessage(), e);
        }
        this.policyHasCors = policyDoc.getElementsByTagName("cors").getLength() > 0;
        this.corsOrigins = corsOrigins;
    }

    @Override
    public boolean isHttpMethodAllowed(HttpMethod method) {
        return policy.isHttpMethodAllowed(method);
    }

    @Override
    public boolean isTypeAllowed(RequestType type) {
        if (!Caller.authenticated() && !ANONYMOUS_TYPES.contains(type)) {
            return false;
        }
        return policy.isTypeAllowed(type);
    }

    @Override
    public boolean isAttributeReadAllowed(ObjectName name, String attribute) {
        if (!Caller.authenticated() && sensitive(name, attribute)) {
            return false;
        }
        return policy.isAttributeReadAllowed(name, attribute);
    }

    /**
     * What no caller without credentials reads, whatever the policy says: the JVM's system properties and
     * command line (where {@code -D} secrets live), its class and library paths, and every attribute of the
     * diagnostic, HotSpot-diagnostic and flight-recorder MBeans (VM flags, recordings, commands).
     */
    static boolean sensitive(ObjectName name, String attribute) {
        String domain = name.getDomain();
        String type = name.getKeyProperty("type");
        if (domain.equals("java.lang") && "Runtime".equals(type)) {
            return attribute == null || SENSITIVE_RUNTIME.contains(attribute);
        }
        return (domain.equals("com.sun.management") && ("DiagnosticCommand".equals(type) || "HotSpotDiagnostic".equals(type)))
                || domain.startsWith("jdk.management.jfr") || domain.equals("jdk.management.jfr");
    }

    private static final Set<String> SENSITIVE_RUNTIME =
            Set.of("SystemProperties", "InputArguments", "ClassPath", "BootClassPath", "LibraryPath");

    @Override
    public boolean isAttributeWriteAllowed(ObjectName name, String attribute) {
        return Caller.authenticated() && policy.isAttributeWriteAllowed(name, attribute)
                && allowed(RequestType.WRITE, name, attribute);
    }

    @Override
    public boolean isOperationAllowed(ObjectName name, String operation) {
        return Caller.authenticated() && policy.isOperationAllowed(name, operation)
                && allowed(RequestType.EXEC, name, operation);
    }

    private boolean allowed(RequestType type, ObjectName name, String what) {
        // Arg(false, ...) asks the checker "is it in <allow>?" instead of "is it not in <deny>?".
        return allowList == null || allowList.check(new MBeanAccessChecker.Arg(false, type, name, what));
    }

    @Override
    public boolean isRemoteAccessAllowed(String... hostOrAddress) {
        return policy.isRemoteAccessAllowed(hostOrAddress);
    }

    @Override
    public boolean isOriginAllowed(String origin, boolean strictCheck) {
        if (origin == null || origin.isEmpty()) {
            return true; // not a browser's cross-origin request (curl, Telegraf, Hawtio's server side)
        }
        if (!corsOrigins.isEmpty()) {
            return corsOrigins.contains(originOf(origin));
        }
        if (policyHasCors) {
            return policy.isOriginAllowed(origin, strictCheck);
        }
        return false;
    }

    /** Origin headers are already scheme://host[:port]; a Referer (used when Origin is absent) is a URL. */
    private static String originOf(String value) {
        try {
            return JolokiaOptions.origin(value.replaceFirst("^([a-zA-Z][a-zA-Z0-9+.-]*://[^/?#]*).*$", "$1"));
        } catch (IllegalArgumentException e) {
            return value.toLowerCase(Locale.ROOT);
        }
    }

    @Override
    public boolean isObjectNameHidden(ObjectName name) {
        return policy.isObjectNameHidden(name);
    }

    @Override
    public boolean ignoreScheme() {
        return policy.ignoreScheme();
    }
}
