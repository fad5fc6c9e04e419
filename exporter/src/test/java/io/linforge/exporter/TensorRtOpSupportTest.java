package io.linforge.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.linforge.core.onnx.proto.Onnx;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every node of the exports meant for TensorRT (opsets 12 and 17, fp32 and fp16) is a standard
 * ONNX operator from the TensorRT parser's support matrix, with its reduction axes and CumSum axis
 * as constants (the parser's restriction). No GPU needed: this is the part of "does it parse"
 * that can be checked from the graph alone.
 */
class TensorRtOpSupportTest {
    @TempDir
    Path tmp;

    static Set<String> supported() throws IOException {
        try (InputStream in = TensorRtOpSupportTest.class.getResourceAsStream("/tensorrt-onnx-ops.txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().map(String::strip)
                    .filter(l -> !l.isEmpty() && !l.startsWith("#")).collect(Collectors.toSet());
        }
    }

    @ParameterizedTest
    @CsvSource({"bert,false,17", "bert,true,17", "bert,false,12", "roberta,false,17", "roberta,true,17",
        "llama,false,17", "llama,true,17", "llama,false,12", "llama_tied,true,17"})
    void exportsUseOnlyOperatorsTheTensorRtParserSupports(String model, boolean fp16, int opset) throws Exception {
        Path out = tmp.resolve(model + fp16 + opset);
        OnnxExporter.export(OnnxExporterTest.HF.resolve(model), List.of(), out,
                new OnnxExporter.Options(fp16, opset, true, false));
        Onnx.ModelProto m = Onnx.ModelProto.parseFrom(Files.readAllBytes(out.resolve("model.onnx")));
        Set<String> allowed = supported();
        assertTrue(allowed.contains("LayerNormalization") && !allowed.contains("SkipLayerNormalization"), "list read");
        Set<String> constants = new TreeSet<>();
        m.getGraph().getInitializerList().forEach(t -> constants.add(t.getName()));
        Set<String> unsupported = new TreeSet<>();
        for (Onnx.NodeProto n : m.getGraph().getNodeList()) {
            if (n.getOpType().equals("Constant")) {
                constants.addAll(n.getOutputList());
            }
        }
        for (Onnx.NodeProto n : m.getGraph().getNodeList()) {
            assertEquals("", n.getDomain(), n.getName() + ": only the standard ONNX domain");
            if (!allowed.contains(n.getOpType())) {
                unsupported.add(n.getOpType());
            }
            boolean axesInput = (n.getOpType().startsWith("Reduce") && n.getInputCount() > 1) || n.getOpType().equals("CumSum");
            if (axesInput) {
                assertTrue(constants.contains(n.getInput(1)), n.getName() + ": axes/axis must be a constant for TensorRT");
            }
        }
        assertEquals(Set.of(), unsupported, model + " opset " + opset + (fp16 ? " fp16" : ""));
    }
}
