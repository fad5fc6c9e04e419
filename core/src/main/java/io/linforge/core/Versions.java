package io.linforge.core;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The versions of linforge and of the libraries it runs on, read at run time from the jars on the
 * class path (manifests and the properties files the libraries ship), never from constants: what
 * {@code linforge --version} prints, a run's {@code manifest.json} records and an export's ONNX
 * metadata carries. Nothing here loads a native library. A version that cannot be read (e.g.
 * linforge run from class folders, without its jars' manifests, or a library not on the class
 * path) is {@link #UNKNOWN}.
 */
public final class Versions {
    public static final String UNKNOWN = "unknown";

    private Versions() {
    }

    /** linforge's version: the Implementation-Version of the core jar's manifest (every module's jar carries the same). */
    public static String linforge() {
        return orUnknown(Versions.class.getPackage().getImplementationVersion());
    }

    /**
     * linforge, Java, the OS, DJL, libtorch (the native jar DJL loads), ONNX Runtime and the
     * bytedeco TensorRT API, in that order.
     */
    public static Map<String, String> all() {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("linforge", linforge());
        v.put("java", System.getProperty("java.version"));
        v.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        v.put("djl", property("ai/djl/engine/api.properties", "djl_version"));
        String libtorch = property("native/lib/pytorch.properties", "version");
        // The native jar's version carries its build date (2.7.1-20250812).
        v.put("libtorch", libtorch.replaceFirst("-\\d{8}$", ""));
        v.put("onnxruntime", packageVersion("ai.onnxruntime.OrtEnvironment"));
        v.put("tensorrt", property("META-INF/maven/org.bytedeco/tensorrt/pom.properties", "version"));
        return v;
    }

    /** What {@code linforge --version} prints. */
    public static String text() {
        Map<String, String> v = all();
        StringBuilder sb = new StringBuilder("linforge ").append(v.remove("linforge")).append('\n');
        v.forEach((k, val) -> sb.append(String.format("  %-12s %s%n", k, val)));
        return sb.toString();
    }

    /** A key of a properties file on the class path. */
    static String property(String resource, String key) {
        try (InputStream in = Versions.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                return UNKNOWN;
            }
            Properties p = new Properties();
            p.load(in);
            return orUnknown(p.getProperty(key));
        } catch (IOException | IllegalArgumentException e) {
            return UNKNOWN;
        }
    }

    /** The Implementation-Version of the jar that holds {@code className}, without initialising the class. */
    static String packageVersion(String className) {
        try {
            Package p = Class.forName(className, false, Versions.class.getClassLoader()).getPackage();
            return orUnknown(p == null ? null : p.getImplementationVersion());
        } catch (ClassNotFoundException | LinkageError e) {
            return UNKNOWN;
        }
    }

    private static String orUnknown(String s) {
        return s == null || s.isBlank() ? UNKNOWN : s.trim();
    }
}
