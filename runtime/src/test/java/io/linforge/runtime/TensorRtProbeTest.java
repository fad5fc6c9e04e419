package io.linforge.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TensorRtProbeTest {
    static boolean driverHere() {
        return TensorRtProbe.driverPresent(p -> Files.exists(p), System.getenv("LD_LIBRARY_PATH"));
    }

    @Test
    void driverIsFoundThroughProcOrLibcudaOnlyWhereItIs() {
        assertFalse(TensorRtProbe.driverPresent(p -> false, null));
        assertFalse(TensorRtProbe.driverPresent(p -> false, "/opt/a:/opt/b"));
        assertTrue(TensorRtProbe.driverPresent(p -> p.equals(Path.of("/proc/driver/nvidia/version")), null));
        assertTrue(TensorRtProbe.driverPresent(p -> p.equals(Path.of("/usr/lib64/libcuda.so.1")), null));
        Set<Path> custom = Set.of(Path.of("/opt/drv/lib/libcuda.so.1"));
        assertTrue(TensorRtProbe.driverPresent(custom::contains, "/opt/a::/opt/drv/lib"));
        assertFalse(TensorRtProbe.driverPresent(custom::contains, "/opt/a"));
        // a libcuda.so (development symlink) without the driver's .so.1 is not the driver
        assertFalse(TensorRtProbe.driverPresent(p -> p.getFileName().toString().equals("libcuda.so"), "/opt/a"));
    }

    @Test
    void versionAndNativeFailuresAreOneLine() {
        assertEquals("11.2.1", TensorRtProbe.versionText(110201));
        assertEquals("10.15.0", TensorRtProbe.versionText(101500));
        assertEquals("8.6.1", TensorRtProbe.versionText(8601));
        String r = TensorRtProbe.nativeFailure(new UnsatisfiedLinkError("no jnicudart in java.library.path\n\tat x"));
        assertTrue(r.contains("UnsatisfiedLinkError: no jnicudart in java.library.path"), r);
        assertTrue(r.contains("-Ptensorrt"), r);
        assertFalse(r.contains("\n"), r);
        String u = TensorRtProbe.nativeFailure(new TensorRtProbe.Unusable("no CUDA device"));
        assertTrue(u.startsWith("the TensorRT/CUDA natives cannot be used (no CUDA device)"), u);
    }

    /** On a machine without the NVIDIA driver the probe says so, without loading any CUDA class. */
    @Test
    void withoutADriverTheProbeGivesTheReasonOnce() {
        assumeFalse(driverHere(), "this machine has an NVIDIA driver");
        String r = TensorRtProbe.unavailableReason();
        assertNotNull(r);
        assertTrue(r.startsWith("no NVIDIA driver on this machine"), r);
        assertSame(r, TensorRtProbe.unavailableReason());
        assertNull(TensorRtProbe.version());
    }
}
