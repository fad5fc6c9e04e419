package io.linforge.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.linforge.core.onnx.proto.Onnx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OrtInferenceSessionTest {
    @TempDir
    Path dir;

    static Onnx.ValueInfoProto tensor(String name, int elemType, String d0, String d1) {
        Onnx.TensorShapeProto.Builder shape = Onnx.TensorShapeProto.newBuilder()
                .addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimParam(d0))
                .addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimParam(d1));
        return Onnx.ValueInfoProto.newBuilder().setName(name).setType(Onnx.TypeProto.newBuilder()
                .setTensorType(Onnx.TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(shape))).build();
    }

    static Path castModel(Path dir) throws Exception {
        Onnx.GraphProto g = Onnx.GraphProto.newBuilder().setName("cast")
                .addInput(tensor("input_ids", Onnx.TensorProto.DataType.INT64_VALUE, "batch", "seq"))
                .addOutput(tensor("y", Onnx.TensorProto.DataType.FLOAT16_VALUE, "batch", "seq"))
                .addNode(Onnx.NodeProto.newBuilder().setOpType("Cast").setName("cast").addInput("input_ids").addOutput("y")
                        .addAttribute(Onnx.AttributeProto.newBuilder().setName("to")
                                .setType(Onnx.AttributeProto.AttributeType.INT).setI(Onnx.TensorProto.DataType.FLOAT16_VALUE)))
                .build();
        Onnx.ModelProto m = Onnx.ModelProto.newBuilder().setIrVersion(8).setProducerName("test")
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(17)).setGraph(g).build();
        Path f = dir.resolve("cast.onnx");
        Files.write(f, m.toByteArray());
        return f;
    }

    /** input_ids (int64) -> Cast to fp16 -> output y: fp16 outputs come back as fp32 values. */
    @Test
    void fp16OutputsAreConvertedAndSymbolicDimsReported() throws Exception {
        Path f = castModel(dir);
        try (InferenceSession s = OrtInferenceSession.open(f, SessionConfig.builder().intraOpThreads(1).build())) {
            assertEquals(new IoInfo("y", "float16", List.of("batch", "seq")), s.outputs().get(0));
            assertEquals(new IoInfo("input_ids", "int64", List.of("batch", "seq")), s.inputs().get(0));
            // 2049 is not representable in fp16 (rounds to 2048); 3 and 70000 (inf) show the conversion.
            FloatTensor y = s.run(Map.of("input_ids", new long[][] {{3, 2049}, {70000, -5}})).get("y");
            assertArrayEquals(new long[] {2, 2}, y.shape());
            assertArrayEquals(new float[] {3f, 2048f, Float.POSITIVE_INFINITY, -5f}, y.data());
        }
    }

    /** The timing path runs the same graph and reports a missing input the same way (exit 2, naming it). */
    @Test
    void executeRunsWithoutConvertingAndChecksInputs() throws Exception {
        Path f = castModel(dir);
        try (InferenceSession s = OrtInferenceSession.open(f, SessionConfig.builder().intraOpThreads(1).build())) {
            s.execute(Map.of("input_ids", new long[][] {{1, 2, 3}}), Map.of());
            io.linforge.core.LinforgeException e = org.junit.jupiter.api.Assertions.assertThrows(
                    io.linforge.core.LinforgeException.class, () -> s.execute(Map.of("ids", new long[][] {{1}}), Map.of()));
            assertEquals(io.linforge.core.LinforgeException.BAD_INPUT, e.exitCode());
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("input_ids"), e.getMessage());
        }
    }
}
