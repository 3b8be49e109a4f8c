package jobgov.http;

import java.lang.management.ManagementFactory;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import javax.management.Attribute;
import javax.management.Descriptor;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanParameterInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.openmbean.OpenMBeanAttributeInfo;
import javax.management.openmbean.OpenType;
import org.jolokia.json.JSONObject;
import org.jolokia.server.core.request.BadRequestException;
import org.jolokia.server.core.request.JolokiaExecRequest;
import org.jolokia.server.core.request.JolokiaRequest;
import org.jolokia.server.core.request.JolokiaWriteRequest;
import org.jolokia.server.core.service.api.JolokiaContext;
import org.jolokia.server.core.service.serializer.Serializer;
import org.jolokia.server.core.util.RequestType;

/**
 * The writes and operations of a request, checked before any of them runs.
 *
 * <ul>
 * <li>An operation called with more or fewer arguments than its signature has is refused (Jolokia 2.6
 *     would take the extra ones as a path into the result and run it).</li>
 * <li>In a bulk request, every write and operation is checked first: the MBean exists and is a single
 *     one, the caller may write the attribute or run the operation, the attribute is writable, and every
 *     value converts to its type. One bad entry refuses the whole bulk and none runs.</li>
 * <li>A write that fails only while it is applied (the MBean's setter throws) is answered with 400 after
 *     the bulk's earlier attribute writes are set back ({@link Undo}); operations that already ran are
 *     not undone, which is why they are checked as closely as writes.</li>
 * </ul>
 */
final class Mutations {
    private final JolokiaContext context;
    private final MBeanServer mbeans = ManagementFactory.getPlatformMBeanServer();

    Mutations(JolokiaContext context) {
        this.context = context;
    }

    static boolean mutating(JolokiaRequest r) {
        return r.getType() == RequestType.WRITE || r.getType() == RequestType.EXEC;
    }

    /** Throws BadRequestException naming the first entry that must not run. */
    void check(List<JolokiaRequest> requests) throws BadRequestException {
        boolean bulk = requests.size() > 1 && requests.stream().anyMatch(Mutations::mutating);
        for (int i = 0; i < requests.size(); i++) {
            JolokiaRequest r = requests.get(i);
            String which = requests.size() > 1 ? "request " + (i + 1) + " of " + requests.size() + ": " : "";
            try {
                if (r instanceof JolokiaExecRequest exec) {
                    checkExec(exec, bulk);
                } else if (bulk && r instanceof JolokiaWriteRequest write) {
                    checkWrite(write);
                }
            } catch (BadRequestException e) {
                throw new BadRequestException(which + e.getMessage() + (bulk ? "; nothing in this bulk was applied" : ""));
            }
        }
    }

    private void checkExec(JolokiaExecRequest exec, boolean fully) throws BadRequestException {
        ObjectName name = exec.getObjectName();
        String operation = exec.getOperation();
        if (operation == null) {
            return; // Jolokia answers that itself
        }
        List<String> signature = null;
        int paren = operation.indexOf('(');
        String op = paren < 0 ? operation : operation.substring(0, paren);
        if (paren >= 0 && operation.endsWith(")")) {
            String inside = operation.substring(paren + 1, operation.length() - 1).trim();
            signature = inside.isEmpty() ? List.of() : Arrays.stream(inside.split(",")).map(String::trim).toList();
        }
        List<ObjectName> targets = targets(name, fully);
        List<?> args = exec.getArguments() == null ? List.of() : exec.getArguments();
        for (ObjectName target : targets) {
            MBeanInfo info = info(target);
            if (info == null) {
                if (fully) {
                    throw new BadRequestException("no MBean " + target);
                }
                continue;
            }
            List<MBeanOperationInfo> candidates = new ArrayList<>();
            for (MBeanOperationInfo o : info.getOperations()) {
                if (o.getName().equals(op) && (signature == null || signature.equals(types(o)))) {
                    candidates.add(o);
                }
            }
            if (candidates.isEmpty()) {
                if (fully) {
                    throw new BadRequestException("no operation " + operation + " on " + target);
                }
                continue;
            }
            if (candidates.size() > 1) {
                continue; // overloaded without a signature: Jolokia refuses it itself
            }
            MBeanParameterInfo[] params = candidates.get(0).getSignature();
            if (params.length != args.size()) {
                throw new BadRequestException("operation " + op + " on " + target + " takes " + params.length
                        + " argument" + (params.length == 1 ? "" : "s") + ", not " + args.size());
            }
            if (fully) {
                if (!context.isOperationAllowed(target, op)) {
                    throw new BadRequestException("operation " + op + " on " + target + " is not allowed");
                }
                for (int i = 0; i < params.length; i++) {
                    convert(params[i].getType(), openType(params[i].getDescriptor()), args.get(i),
                            "argument " + (i + 1) + " of " + op);
                }
            }
        }
    }

    private void checkWrite(JolokiaWriteRequest write) throws BadRequestException {
        ObjectName name = write.getObjectName();
        if (name.isPattern()) {
            throw new BadRequestException("a write names one MBean, not the pattern " + name);
        }
        MBeanInfo info = info(name);
        if (info == null) {
            throw new BadRequestException("no MBean " + name);
        }
        String attribute = write.getAttributeName();
        MBeanAttributeInfo a = Arrays.stream(info.getAttributes()).filter(x -> x.getName().equals(attribute)).findFirst()
                .orElseThrow(() -> new BadRequestException("no attribute " + attribute + " on " + name));
        if (!a.isWritable()) {
            throw new BadRequestException("attribute " + attribute + " of " + name + " is read-only");
        }
        if (!context.isAttributeWriteAllowed(name, attribute)) {
            throw new BadRequestException("writing " + attribute + " of " + name + " is not allowed");
        }
        if (write.getPathParts() == null || write.getPathParts().isEmpty()) {
            OpenType<?> open = a instanceof OpenMBeanAttributeInfo o ? o.getOpenType() : openType(a.getDescriptor());
            convert(a.getType(), open, write.getValue(), "the value for " + attribute);
        }
    }

    private void convert(String type, OpenType<?> open, Object value, String what) throws BadRequestException {
        Serializer serializer = context.getMandatoryService(Serializer.class);
        try {
            if (open != null) {
                serializer.deserializeOpenType(open, value);
            } else {
                serializer.deserialize(type, value);
            }
        } catch (RuntimeException e) {
            throw new BadRequestException(what + " cannot be converted to " + type + ": " + e.getMessage());
        }
    }

    private List<ObjectName> targets(ObjectName name, boolean fully) throws BadRequestException {
        if (!name.isPattern()) {
            return List.of(name);
        }
        List<ObjectName> names = new ArrayList<>(mbeans.queryNames(name, null));
        if (names.isEmpty() && fully) {
            throw new BadRequestException("no MBean matches " + name);
        }
        return names;
    }

    private MBeanInfo info(ObjectName name) {
        try {
            return mbeans.getMBeanInfo(name);
        } catch (Exception e) {
            return null;
        }
    }

    private static List<String> types(MBeanOperationInfo o) {
        return Arrays.stream(o.getSignature()).map(MBeanParameterInfo::getType).toList();
    }

    private static OpenType<?> openType(Descriptor d) {
        Object t = d == null ? null : d.getFieldValue("openType");
        return t instanceof OpenType<?> o ? o : null;
    }

    Undo undo() {
        return new Undo();
    }

    /** The attribute values a bulk's writes replaced, to set back if a later write or operation fails. */
    final class Undo {
        private final Deque<Attribute> previous = new ArrayDeque<>();
        private final Deque<ObjectName> where = new ArrayDeque<>();
        private boolean undid;

        void before(JolokiaRequest r) {
            if (r instanceof JolokiaWriteRequest w && !w.getObjectName().isPattern()) {
                try {
                    Object old = mbeans.getAttribute(w.getObjectName(), w.getAttributeName());
                    previous.push(new Attribute(w.getAttributeName(), old));
                    where.push(w.getObjectName());
                } catch (Exception unreadable) {
                    // a write-only attribute: nothing to set back
                }
            }
        }

        /** A write or operation that did not succeed. */
        boolean failed(JolokiaRequest r, JSONObject result) {
            return mutating(r) && !(result.get("status") instanceof Number n && n.intValue() == 200);
        }

        void run() {
            while (!previous.isEmpty()) {
                Attribute a = previous.pop();
                ObjectName n = where.pop();
                try {
                    mbeans.setAttribute(n, a);
                    undid = true;
                } catch (Exception e) {
                    System.getLogger("jobgov.http").log(System.Logger.Level.WARNING,
                            "jobgov: Jolokia: could not set " + a.getName() + " of " + n + " back: " + e);
                }
            }
        }

        boolean undid() {
            return undid;
        }
    }
}
