package io.linforge.runtime.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.linforge.core.LinforgeException;
import io.linforge.core.onnx.proto.Onnx;
import io.linforge.runtime.OrtInferenceSession;
import io.linforge.runtime.SessionConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OpProfileTest {
    @TempDir
    Path dir;

    static String event(String cat, String name, double durUs, String op) {
        return "{\"cat\":\"" + cat + "\",\"pid\":1,\"tid\":1,\"dur\":" + durUs + ",\"ts\":0,\"ph\":\"X\",\"name\":\"" + name
                + "\",\"args\":{" + (op == null ? "" : "\"op_name\":\"" + op + "\"") + "}}";
    }

    /** Per node the median over runs (an outlier run does not count), summed per operator type. */
    @Test
    void sumsPerNodeMediansByOperator() throws Exception {
        StringBuilder sb = new StringBuilder("[");
        double[][] mm = {{100, 110, 5000}, {200, 190, 210}};   // two MatMul nodes, one preempted run of the first
        double[] add = {30, 40, 35};
        for (int run = 0; run < 3; run++) {
            sb.append(event("Session", "model_run", 1000, null)).append(',');
            sb.append(event("Node", "mm1_kernel_time", mm[0][run], "MatMul")).append(',');
            sb.append(event("Node", "mm1_fence_before", 1, "MatMul")).append(',');
            sb.append(event("Node", "mm2_kernel_time", mm[1][run], "MatMul")).append(',');
            sb.append(event("Node", "add_kernel_time", add[run], "Add")).append(',');
        }
        sb.setLength(sb.length() - 1);
        sb.append(']');
        Path f = dir.resolve("p.json");
        Files.writeString(f, sb.toString());
        OpProfile.Result r = OpProfile.read(f);
        assertEquals(3, r.runs());
        assertEquals(3, r.nodes());
        assertEquals(0.110 + 0.200, r.opMs().get("MatMul"), 1e-12);
        assertEquals(0.035, r.opMs().get("Add"), 1e-12);
        assertEquals(0.345, r.totalMs(), 1e-12);
        assertEquals(List.of("MatMul", "Add"), List.copyOf(r.opMs().keySet()));
        Files.writeString(f, "{\"not\": \"a trace\"}");
        LinforgeException e = assertThrows(LinforgeException.class, () -> OpProfile.read(f));
        assertTrue(e.getMessage().contains("p.json"), e.getMessage());
    }

    /** A real ONNX Runtime trace of a two-node model: both operators and every run are found. */
    @Test
    void readsOnnxRuntimeProfiles() throws Exception {
        Onnx.TensorShapeProto.Builder shape = Onnx.TensorShapeProto.newBuilder()
                .addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimParam("b"))
                .addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimParam("s"));
        java.util.function.BiFunction<String, Integer, Onnx.ValueInfoProto> vi = (n, t) -> Onnx.ValueInfoProto.newBuilder()
                .setName(n).setType(Onnx.TypeProto.newBuilder().setTensorType(Onnx.TypeProto.Tensor.newBuilder()
                        .setElemType(t).setShape(shape))).build();
        Onnx.GraphProto g = Onnx.GraphProto.newBuilder().setName("g")
                .addInput(vi.apply("input_ids", Onnx.TensorProto.DataType.INT64_VALUE))
                .addOutput(vi.apply("y", Onnx.TensorProto.DataType.FLOAT_VALUE))
                .addNode(Onnx.NodeProto.newBuilder().setOpType("Cast").setName("cast").addInput("input_ids").addOutput("x")
                        .addAttribute(Onnx.AttributeProto.newBuilder().setName("to")
                                .setType(Onnx.AttributeProto.AttributeType.INT).setI(Onnx.TensorProto.DataType.FLOAT_VALUE)))
                .addNode(Onnx.NodeProto.newBuilder().setOpType("Softmax").setName("softmax").addInput("x").addOutput("y"))
                .build();
        Path model = dir.resolve("m.onnx");
        Files.write(model, Onnx.ModelProto.newBuilder().setIrVersion(8).addOpsetImport(Onnx.OperatorSetIdProto
                .newBuilder().setDomain("").setVersion(17)).setGraph(g).build().toByteArray());
        OpProfile.Result r;
        try (OrtInferenceSession s = OrtInferenceSession.open(model, SessionConfig.builder().intraOpThreads(1)
                .profile(dir.resolve("trace")).build())) {
            for (int i = 0; i < 4; i++) {
                s.run(Map.of("input_ids", new long[][] {{1, 2, 3}, {4, 5, 6}}));
            }
            Path trace = s.endProfiling();
            assertTrue(trace.getFileName().toString().startsWith("trace"), trace.toString());
            r = OpProfile.read(trace);
        }
        assertEquals(4, r.runs());
        assertEquals(2, r.nodes());
        assertEquals(java.util.Set.of("Cast", "Softmax"), r.opMs().keySet());
        assertTrue(r.totalMs() > 0 && r.totalMs() < 1000, "total " + r.totalMs());
    }
}
