package io.linforge.runtime;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Whether serialized TensorRT engines can run in this JVM. The CUDA and TensorRT classes of the
 * bytedeco presets fail for the whole JVM once their natives fail to load, so the answer is
 * worked out once: first without touching those classes (is there an NVIDIA driver at all?), then
 * by loading the natives, listing the CUDA devices and asking TensorRT for its version. After a
 * failure the classes are never touched again.
 */
public final class TensorRtProbe {
    /** Folders where the NVIDIA driver's {@code libcuda.so.1} is installed on common Linux systems. */
    static final List<String> DRIVER_DIRS = List.of("/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib",
            "/usr/local/nvidia/lib64", "/usr/local/nvidia/lib", "/usr/lib/wsl/lib");

    /** The natives loaded but cannot run an engine (no CUDA device, a bad version). */
    static final class Unusable extends Exception {
        Unusable(String message) {
            super(message);
        }
    }

    private static boolean probed;
    private static String reason;
    private static String version;

    private TensorRtProbe() {
    }

    /** Null when TensorRT engines can run here, else why not (one line). */
    public static synchronized String unavailableReason() {
        probe();
        return reason;
    }

    /** The TensorRT version of the loaded library (e.g. "11.2.1"), or null when unavailable. */
    public static synchronized String version() {
        probe();
        return version;
    }

    private static void probe() {
        if (probed) {
            return;
        }
        probed = true;
        if (!driverPresent(p -> Files.exists(p), System.getenv("LD_LIBRARY_PATH"))) {
            reason = "no NVIDIA driver on this machine (no /proc/driver/nvidia/version, no libcuda.so.1); TensorRT "
                    + "engines run on an NVIDIA GPU";
            return;
        }
        try {
            version = TensorRtEngine.probe();
        } catch (Throwable t) {
            reason = nativeFailure(t);
        }
    }

    /**
     * Whether the NVIDIA driver is installed: its {@code /proc} entry, or {@code libcuda.so.1} in a
     * usual library folder or in one of {@code ldLibraryPath}'s folders.
     */
    static boolean driverPresent(Predicate<Path> exists, String ldLibraryPath) {
        if (exists.test(Path.of("/proc/driver/nvidia/version"))) {
            return true;
        }
        List<String> dirs = new ArrayList<>(DRIVER_DIRS);
        if (ldLibraryPath != null) {
            for (String d : ldLibraryPath.split(File.pathSeparator)) {
                if (!d.isBlank()) {
                    dirs.add(d);
                }
            }
        }
        return dirs.stream().anyMatch(d -> exists.test(Path.of(d, "libcuda.so.1")));
    }

    /** The reason given when the driver is there but the CUDA or TensorRT natives cannot be used. */
    static String nativeFailure(Throwable t) {
        String what = t instanceof Unusable ? t.getMessage() : t.getClass().getSimpleName() + ": "
                + firstLine(t.getMessage());
        return "the TensorRT/CUDA natives cannot be used (" + what + "); build with -Ptensorrt (TensorRT 8.6 and "
                + "CUDA 12 natives) or put a TensorRT 8.6 installation on LD_LIBRARY_PATH, and run on a host with an NVIDIA driver "
                + "of release 525 or newer";
    }

    static String firstLine(String s) {
        if (s == null) {
            return "no message";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).trim();
    }

    /**
     * TensorRT's encoded library version as text: major * 1000 + minor * 100 + patch up to
     * TensorRT 9 (8601 is 8.6.1), major * 10000 + minor * 100 + patch from TensorRT 10 on.
     */
    static String versionText(int v) {
        if (v < 10000) {
            return (v / 1000) + "." + (v / 100 % 10) + "." + (v % 100);
        }
        return (v / 10000) + "." + (v / 100 % 100) + "." + (v % 100);
    }
}
