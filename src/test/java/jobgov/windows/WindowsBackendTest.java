package jobgov.windows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Platform;
import java.util.EnumSet;
import jobgov.job.JobBackend;
import jobgov.job.Jobs;
import jobgov.job.Limit;
import org.junit.jupiter.api.Test;

/** The backend as the SPI sees it: registered, inert off Windows, every limit a capability. */
class WindowsBackendTest {
    @Test
    void isRegisteredWithTheHighestPriority() {
        JobBackend first = Jobs.backends().get(0);
        assertEquals("windows", first.name());
        assertInstanceOfWindows(first);
    }

    private static void assertInstanceOfWindows(JobBackend b) {
        assertTrue(b instanceof WindowsBackend, b.getClass().getName());
    }

    @Test
    void offWindowsItSaysSoWithoutLoadingKernel32() {
        WindowsBackend b = new WindowsBackend(() -> {
            throw new AssertionError("kernel32 must not be loaded to answer unavailableReason()");
        }, "Linux", "6.1.0");
        assertEquals("not Windows (os.name is Linux)", b.unavailableReason().orElseThrow());
        assertTrue(!b.forThisOperatingSystem(), "Jobs passes over it quietly on Linux");
        if (!Platform.isWindows()) {
            assertTrue(new WindowsBackend().unavailableReason().orElseThrow().startsWith("not Windows"));
        }
    }

    @Test
    void windows7IsTooOldForNestedJobsAndWindows10GetsTheJobListAttribute() {
        assertTrue(new WindowsBackend(() -> null, "Windows 7", "6.1").unavailableReason().orElseThrow().contains("Windows 8"));
        assertTrue(new WindowsBackend(() -> null, "Windows 8", "6.2").unavailableReason().isEmpty());
        assertTrue(new WindowsBackend(() -> null, "Windows 11", "10.0").jobListAttribute());
        assertTrue(!new WindowsBackend(() -> null, "Windows 8.1", "6.3").jobListAttribute());
    }

    @Test
    void everyLimitOfTheModelIsACapabilityWindowsOnlyOnesIncluded() {
        assertEquals(EnumSet.allOf(Limit.class), new WindowsBackend().capabilities());
    }
}
