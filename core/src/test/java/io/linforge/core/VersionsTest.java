package io.linforge.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Versions read from the class path: what is there is named, what is not is "unknown", nothing throws. */
class VersionsTest {
    @Test
    void librariesOffTheClassPathAreUnknown() {
        // core's tests run without DJL, ONNX Runtime and TensorRT, from class folders (no manifest).
        Map<String, String> v = Versions.all();
        assertEquals(Versions.UNKNOWN, v.get("linforge"));
        assertEquals(Versions.UNKNOWN, v.get("onnxruntime"));
        assertEquals(Versions.UNKNOWN, v.get("tensorrt"));
        assertEquals(Versions.UNKNOWN, v.get("djl"));
        assertEquals(Versions.UNKNOWN, Versions.property("no/such.properties", "version"));
        assertEquals(Versions.UNKNOWN, Versions.packageVersion("no.such.Clazz"));
        assertEquals(System.getProperty("java.version"), v.get("java"));
    }
}
