package io.linforge.core.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.linforge.core.onnx.OnnxImporter;
import java.nio.file.Files;
import java.nio.file.Path;

/** The ONNX importer: protobuf, initializers, graph matching and the config read off the graph. */
class OnnxImporterFuzzTest {
    @FuzzTest(maxDuration = "60s")
    void onnxImporter(byte[] data) throws Exception {
        Path dir = ParserContract.tempDir();
        try {
            Path f = dir.resolve("model.onnx");
            Files.write(f, data);
            ParserContract.parsesOrRejects(f, () -> OnnxImporter.importTo(f, dir.resolve("out"), null));
        } finally {
            ParserContract.delete(dir);
        }
    }
}
