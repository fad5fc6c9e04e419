package io.linforge.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.linforge.core.onnx.proto.Onnx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlacementTest {
    @TempDir
    Path dir;

    /** input_ids -> Cast (float, computes) -> y and input_ids -> Shape (int64, shape arithmetic) -> shape. */
    Path model() throws Exception {
        Onnx.ValueInfoProto shape = Onnx.ValueInfoProto.newBuilder().setName("shape").setType(Onnx.TypeProto.newBuilder()
                .setTensorType(Onnx.TypeProto.Tensor.newBuilder().setElemType(Onnx.TensorProto.DataType.INT64_VALUE)
                        .setShape(Onnx.TensorShapeProto.newBuilder().addDim(Onnx.TensorShapeProto.Dimension.newBuilder()
                                .setDimValue(2))))).build();
        Onnx.GraphProto g = Onnx.GraphProto.newBuilder().setName("placement")
                .addInput(OrtInferenceSessionTest.tensor("input_ids", Onnx.TensorProto.DataType.INT64_VALUE, "batch", "seq"))
                .addOutput(OrtInferenceSessionTest.tensor("y", Onnx.TensorProto.DataType.FLOAT_VALUE, "batch", "seq"))
                .addOutput(shape)
                .addNode(Onnx.NodeProto.newBuilder().setOpType("Cast").setName("to_float").addInput("input_ids").addOutput("y")
                        .addAttribute(Onnx.AttributeProto.newBuilder().setName("to")
                                .setType(Onnx.AttributeProto.AttributeType.INT).setI(Onnx.TensorProto.DataType.FLOAT_VALUE)))
                .addNode(Onnx.NodeProto.newBuilder().setOpType("Shape").setName("shape_of_ids").addInput("input_ids")
                        .addOutput("shape"))
                .build();
        Onnx.ModelProto m = Onnx.ModelProto.newBuilder().setIrVersion(8).setProducerName("test")
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(17)).setGraph(g).build();
        Path f = dir.resolve("placement.onnx");
        Files.write(f, m.toByteArray());
        return f;
    }

    /**
     * A real ONNX Runtime profile (CPU provider): the Cast producing floats is a computing node on
     * the CPU, the Shape producing int64 is shape arithmetic.
     */
    @Test
    void profileOfTheCpuProviderNamesComputingNodesOnly() throws Exception {
        Path profile;
        try (OrtInferenceSession s = OrtInferenceSession.open(model(), SessionConfig.builder().intraOpThreads(1)
                .profile(dir.resolve("prof")).build())) {
            s.run(Map.of("input_ids", new long[][] {{1, 2, 3}}), Set.of());
            profile = s.endProfiling();
        }
        assertEquals(List.of("Cast 'to_float'"), Placement.computeNodesOnCpu(profile));
    }

    /** On a GPU provider, shape arithmetic on the CPU passes and anything floating there is named. */
    @Test
    void gpuPlacementAllowsShapeArithmeticOnTheCpu() throws Exception {
        ObjectMapper json = new ObjectMapper();
        Path ok = dir.resolve("ok.json");
        Files.writeString(ok, """
                [{"cat":"Session","name":"model_run","dur":10},
                 {"cat":"Node","name":"/MatMul_kernel_time","dur":5,"args":{"op_name":"MatMul","provider":"CUDAExecutionProvider",
                   "output_type_shape":[{"float16":[1,4,8]}]}},
                 {"cat":"Node","name":"/Shape_kernel_time","dur":1,"args":{"op_name":"Shape","provider":"CPUExecutionProvider",
                   "output_type_shape":[{"int64":[3]}]}},
                 {"cat":"Node","name":"/Equal_kernel_time","dur":1,"args":{"op_name":"Equal","provider":"CPUExecutionProvider",
                   "output_type_shape":[{"bool":[3]}]}}]""");
        assertEquals(List.of(), Placement.computeNodesOnCpu(ok));
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, """
                [{"cat":"Node","name":"/Softmax_kernel_time","dur":5,"args":{"op_name":"Softmax","provider":"CPUExecutionProvider",
                   "output_type_shape":[{"float":[1,4,4]}]}},
                 {"cat":"Node","name":"/Gather_kernel_time","dur":1,"args":{"op_name":"Gather","provider":"CPUExecutionProvider"}}]""");
        assertEquals(List.of("Softmax '/Softmax'", "Gather '/Gather'"), Placement.computeNodesOnCpu(bad));
        assertFalse(Placement.shapeOnly(json.readTree("[{\"int64\":[2]},{\"float\":[2]}]")));
        assertTrue(Placement.shapeOnly(json.readTree("[{\"int64\":[2]},{\"int32\":[]}]")));
    }
}
