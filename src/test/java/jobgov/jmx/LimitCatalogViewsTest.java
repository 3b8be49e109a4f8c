package jobgov.jmx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.StandardMBean;
import javax.management.openmbean.CompositeData;
import jobgov.job.JobLimits;
import jobgov.job.LimitCatalog;
import jobgov.job.LimitExamples;
import jobgov.job.LimitSpec;
import org.junit.jupiter.api.Test;

/**
 * The JMX views against the limit catalog: the MXBean interfaces' static getters name exactly the catalog's
 * JMX items with the kinds' open types, and every row reaches a real MBean server's CompositeData and comes
 * back through the {@code Spec} item.
 */
class LimitCatalogViewsTest {
    /** A one-attribute MXBean of the test's own, so the platform MBeanServer maps LimitsView as it does for jobs. */
    public interface HolderMXBean {
        LimitsView getLimits();
    }

    /** The MXBean mapping's item name of a getter: JobMemoryLimitBytes -> jobMemoryLimitBytes. */
    private static String item(String attribute) {
        return java.beans.Introspector.decapitalize(attribute);
    }

    @Test
    void limitsViewIsTheCatalogsJmxItems() {
        Set<String> items = new TreeSet<>();
        for (Method m : LimitsView.class.getMethods()) {
            String name = m.getName();
            if (name.equals("getSpec")) {
                continue;
            }
            String attribute = name.startsWith("is") ? name.substring(2) : name.substring(3);
            items.add(attribute);
            LimitCatalog.Row r = LimitCatalog.byJmx(attribute).orElseThrow(() -> new AssertionError(name + " is no catalog row's JMX item"));
            assertEquals(r.kind().jmxType(), m.getReturnType(), name);
            assertEquals(r.kind() == LimitCatalog.Kind.SWITCH ? "is" : "get", name.substring(0, name.startsWith("is") ? 2 : 3), name);
        }
        Set<String> catalog = LimitCatalog.ROWS.stream().map(LimitCatalog.Row::jmx).filter(j -> j != null).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(catalog, items, "LimitsView's getters and the catalog's JMX items");
    }

    @Test
    void jobMXBeanHasTheJobAttributesOfTheCatalog() throws Exception {
        Set<String> getters = Arrays.stream(JobMXBean.class.getMethods()).map(Method::getName).collect(Collectors.toSet());
        for (LimitCatalog.Row r : LimitCatalog.ROWS) {
            boolean isSwitch = r.kind() == LimitCatalog.Kind.SWITCH;
            boolean has = r.jmx() != null && getters.contains((isSwitch ? "is" : "get") + r.jmx());
            assertEquals(r.onJob(), has, r.key() + ": an attribute of JobMXBean exactly when the row says onJob");
            if (r.onJob()) {
                Method get = JobMXBean.class.getMethod((isSwitch ? "is" : "get") + r.jmx());
                assertEquals(r.kind().jmxType(), get.getReturnType(), r.jmx());
                assertTrue(DescribedJob.describes(r.jmx()), r.jmx() + " has a description");
                if (!isSwitch) {
                    assertNotNull(JobMXBean.class.getMethod("set" + r.jmx(), r.kind().jmxType()), "set" + r.jmx());
                }
            }
        }
    }

    @Test
    void everyRowReachesCompositeDataAndComesBack() throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = new ObjectName("jobgov.test:type=LimitsHolder,name=" + UUID.randomUUID());
        JobLimits[] current = {JobLimits.NONE};
        server.registerMBean(new StandardMBean((HolderMXBean) () -> OpenLimits.of(current[0]), HolderMXBean.class, true), name);
        try {
            for (LimitCatalog.Row r : LimitCatalog.ROWS) {
                JobLimits l = LimitSpec.parse(LimitExamples.specOf(r));
                current[0] = l;
                CompositeData d = (CompositeData) server.getAttribute(name, "Limits");
                assertEquals(l, LimitSpec.parse((String) d.get("spec")), r.key() + " through the Spec item");
                for (LimitCatalog.Row other : LimitCatalog.ROWS) {
                    if (other.jmx() != null) {
                        assertEquals(other.jmxValue(l), d.get(item(other.jmx())), r.key() + ": item " + other.jmx());
                    }
                }
                if (r.jmx() != null && r.kind() != LimitCatalog.Kind.SWITCH) {
                    // the item a JMX client reads is a value that writes the same limit back
                    JobLimits.Builder b = JobLimits.NONE.toBuilder();
                    LimitExamples.valueOf(r).forEach((k, v) -> {
                        if (!k.equals(r.key())) {
                            LimitCatalog.Row need = LimitCatalog.find(k).orElseThrow();
                            need.set().accept(b, need.parse(v));
                        }
                    });
                    r.set().accept(b, r.fromJmx(r.jmx(), d.get(item(r.jmx()))));
                    assertEquals(r.get().apply(l), r.get().apply(b.build()), r.key() + " written back from " + r.jmx());
                }
            }
        } finally {
            server.unregisterMBean(name);
        }
    }
}
