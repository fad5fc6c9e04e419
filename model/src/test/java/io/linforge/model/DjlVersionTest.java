package io.linforge.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.linforge.core.Versions;
import org.junit.jupiter.api.Test;

/** With the model blocks on the class path, the version report names the DJL they run on. */
class DjlVersionTest {
    @Test
    void djlVersionIsReadFromItsJar() {
        assertEquals(ai.djl.engine.Engine.class.getPackage().getSpecificationVersion(), Versions.all().get("djl"));
    }
}
