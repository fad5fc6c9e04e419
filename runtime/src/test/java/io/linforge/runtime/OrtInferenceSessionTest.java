package io.linforge.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.linforge.core.onnx.proto.Onnx;
import io.linforge.core.testing.BadInputTest;
import io.linforge.core.testing.BadInputs;
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
        return castModel(dir, Onnx.TensorProto.DataType.INT64_VALUE);
    }

    static Path castModel(Path dir, int inputType) throws Exception {
        Onnx.GraphProto g = Onnx.GraphProto.newBuilder().setName("cast")
                .addInput(tensor("input_ids", inputType, "batch", "seq"))
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

    /** An int32 model input gets the ids narrowed; an id outside the int32 range is exit 2 naming the model and input. */
    @BadInputTest
    void int32InputsAreRangeChecked() throws Exception {
        Path f = castModel(dir, Onnx.TensorProto.DataType.INT32_VALUE);
        try (InferenceSession s = OrtInferenceSession.open(f, SessionConfig.builder().intraOpThreads(1).build())) {
            FloatTensor y = s.run(Map.of("input_ids", new long[][] {{3, -5}})).get("y");
            assertArrayEquals(new float[] {3f, -5f}, y.data());
            io.linforge.core.LinforgeException e = org.junit.jupiter.api.Assertions.assertThrows(
                    io.linforge.core.LinforgeException.class, () -> s.run(Map.of("input_ids", new long[][] {{1, 1L << 31}})));
            assertEquals(io.linforge.core.LinforgeException.BAD_INPUT, e.exitCode());
            assertEquals(f + ": inputs: input 'input_ids' is int32 in the model but holds 2147483648, outside the int32 "
                    + "range", e.getMessage());
            BadInputs.input("token ids outside the int32 range for a model whose input is int32 (ONNX Runtime or TensorRT)")
                    .path(f, "m.onnx").record(e.exitCode(), e.getMessage());
        }
    }

    /** An input name the model does not have is exit 2 naming the model and the input, on both run paths. */
    @BadInputTest
    void unknownInputNamesAreBadInput() throws Exception {
        Path f = castModel(dir);
        try (InferenceSession s = OrtInferenceSession.open(f, SessionConfig.builder().intraOpThreads(1).build())) {
            Map<String, long[][]> in = Map.of("input_ids", new long[][] {{1}}, "token_type_ids", new long[][] {{0}});
            for (org.junit.jupiter.api.function.Executable run : List.<org.junit.jupiter.api.function.Executable>of(
                    () -> s.run(in), () -> s.execute(in, Map.of()))) {
                io.linforge.core.LinforgeException e = org.junit.jupiter.api.Assertions.assertThrows(
                        io.linforge.core.LinforgeException.class, run);
                assertEquals(io.linforge.core.LinforgeException.BAD_INPUT, e.exitCode());
                assertEquals(f + ": inputs: input 'token_type_ids' is given, but the model has no such input (inputs: "
                        + "input_ids)", e.getMessage());
                BadInputs.input("an input name the model does not have (API callers of `InferenceSession.run`)")
                        .path(f, "m.onnx").record(e.exitCode(), e.getMessage());
            }
            assertEquals(Map.of("input_ids", in.get("input_ids")), s.modelInputs(in));
        }
    }
}
