package io.linforge.exporter.triton;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.TextFormat;
import io.linforge.exporter.OnnxExporter;
import io.linforge.exporter.triton.proto.ModelConfigProto.DataType;
import io.linforge.exporter.triton.proto.ModelConfigProto.ModelConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TritonRepositoryTest {
    static final Path HF = Path.of("../core/src/test/resources/fixtures/hf");

    @TempDir
    Path tmp;

    @Test
    void configParsesAsTextFormatAgainstTheSchema() throws Exception {
        Path out = tmp.resolve("bert-onnx");
        OnnxExporter.export(HF.resolve("bert"), List.of(), out, OnnxExporter.Options.defaults());
        Path entry = TritonRepository.write(tmp.resolve("repo"), "bert", out.resolve("model.onnx"), 16);
        assertArrayEquals(Files.readAllBytes(out.resolve("model.onnx")), Files.readAllBytes(entry.resolve("1/model.onnx")));
        String text = Files.readString(entry.resolve("config.pbtxt"));
        ModelConfig.Builder b = ModelConfig.newBuilder();
        TextFormat.getParser().merge(text, b); // strict: unknown fields or wrong types throw
        ModelConfig c = b.build();
        assertEquals("bert", c.getName());
        assertEquals("onnxruntime_onnx", c.getPlatform());
        assertEquals(16, c.getMaxBatchSize());
        assertEquals(List.of("input_ids", "attention_mask", "token_type_ids"),
                c.getInputList().stream().map(i -> i.getName()).toList());
        assertEquals(DataType.TYPE_INT64, c.getInput(0).getDataType());
        assertEquals(List.of(-1L), c.getInput(0).getDimsList());
        assertEquals("last_hidden_state", c.getOutput(0).getName());
        assertEquals(List.of(-1L, 32L), c.getOutput(0).getDimsList());
        assertEquals("logits", c.getOutput(1).getName());
        assertEquals(List.of(3L), c.getOutput(1).getDimsList());
        assertTrue(c.hasDynamicBatching());
        assertThrows(TextFormat.ParseException.class,
                () -> TextFormat.getParser().merge(text + "\nmax_batch_sise: 4\n", ModelConfig.newBuilder()));
    }

    @Test
    void planEntryServesTheEngineOnTheTensorRtBackendWithInt32Ids() throws Exception {
        Path out = tmp.resolve("bert-onnx");
        OnnxExporter.export(HF.resolve("bert"), List.of(), out, OnnxExporter.Options.defaults());
        // the engine's bytes are copied as they are (no TensorRT needed to lay out the entry)
        Path plan = out.resolve("model.plan");
        Files.write(plan, new byte[] {1, 2, 3, 4, 5});
        Path entry = TritonRepository.writePlan(tmp.resolve("repo"), "bert_tensorrt", out.resolve("model.onnx"), plan, 32);
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5}, Files.readAllBytes(entry.resolve("1/model.plan")));
        assertTrue(Files.notExists(entry.resolve("1/model.onnx")));
        ModelConfig.Builder b = ModelConfig.newBuilder();
        TextFormat.getParser().merge(Files.readString(entry.resolve("config.pbtxt")), b);
        ModelConfig c = b.build();
        assertEquals("bert_tensorrt", c.getName());
        assertEquals("tensorrt_plan", c.getPlatform());
        assertEquals("tensorrt", c.getBackend());
        assertEquals(32, c.getMaxBatchSize());
        for (int i = 0; i < 3; i++) {
            assertEquals(DataType.TYPE_INT32, c.getInput(i).getDataType(), c.getInput(i).getName());
        }
        assertEquals(DataType.TYPE_FP32, c.getOutput(0).getDataType());
        assertEquals(List.of(-1L, 32L), c.getOutput(0).getDimsList());
    }
}
