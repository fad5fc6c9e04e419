package io.linforge.core.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.linforge.core.onnx.OnnxImporter;

/** The ONNX importer: protobuf, initializers, graph matching and the config read off the graph. */
class OnnxImporterFuzzTest {
    @FuzzTest(maxDuration = "60s")
    void onnxImporter(byte[] data) throws Exception {
        ParserContract.parseFile(data, "model.onnx", f -> OnnxImporter.importTo(f, f.resolveSibling("out"), null));
    }
}
