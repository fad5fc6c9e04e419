package io.linforge.exporter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.core.checkpoint.Safetensors;
import io.linforge.core.config.ModelConfig;
import io.linforge.core.onnx.OnnxTensors;
import io.linforge.core.onnx.proto.Onnx.ModelProto;
import io.linforge.core.onnx.proto.Onnx.TensorProto;
import io.linforge.core.tensor.TensorData;
import io.linforge.model.DecoderModel;
import io.linforge.model.TransformerModel;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The export streams a checkpoint's weights from its files into the external data, converting one
 * tensor at a time; what it writes equals the graph of the model loaded whole on DJL, byte for byte.
 */
class StreamedExportTest {
    @TempDir
    Path tmp;

    /** The Llama 3 rope-scaling fixture (tied embeddings, GQA) as bf16 in several shards. */
    Path bf16Shards() throws Exception {
        Path src = OnnxExporterTest.HF.resolve("llama3_rope");
        Map<String, TensorData> bf16 = new LinkedHashMap<>();
        Safetensors.readAll(src.resolve(Checkpoint.WEIGHTS)).forEach((k, v) -> bf16.put(k, v.toBF16()));
        Path ckpt = tmp.resolve("ckpt");
        Checkpoint.save(ckpt, ModelConfig.read(src.resolve(Checkpoint.CONFIG)), bf16, null, 20_000);
        try (Checkpoint c = Checkpoint.open(ckpt)) {
            assertTrue(c.fileCount() > 1, "shards: " + c.fileCount());
        }
        return ckpt;
    }

    @Test
    void streamedExternalDataEqualsTheInMemoryGraph() throws Exception {
        Path ckpt = bf16Shards();
        for (boolean fp16 : new boolean[] {false, true}) {
            Path out = tmp.resolve(fp16 ? "fp16" : "fp32");
            OnnxExporter.export(ckpt, List.of(), out, new OnnxExporter.Options(fp16, 17, true, true));
            ModelProto streamed;
            try (InputStream in = Files.newInputStream(out.resolve("model.onnx"))) {
                streamed = ModelProto.parseFrom(in);
            }
            ModelProto whole;
            try (Checkpoint c = Checkpoint.open(ckpt); NDManager m = NDManager.newBaseManager();
                    TransformerModel model = TransformerModel.load(c, m, DataType.FLOAT32)) {
                whole = ((DecoderModel) model).toOnnx(fp16, 17, true);
            }
            assertEquals(whole.getGraph().getNodeList(), streamed.getGraph().getNodeList());
            Map<String, TensorProto> expected = new LinkedHashMap<>();
            whole.getGraph().getInitializerList().forEach(t -> expected.put(t.getName(), t));
            assertEquals(expected.keySet().stream().toList(),
                    streamed.getGraph().getInitializerList().stream().map(TensorProto::getName).toList());
            int external = 0;
            for (TensorProto t : streamed.getGraph().getInitializerList()) {
                if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
                    external++;
                }
                TensorProto e = expected.get(t.getName());
                assertNotNull(e, t.getName());
                TensorData got = OnnxTensors.read(t, out, "model.onnx");
                TensorData want = OnnxTensors.read(e, null, "memory");
                assertEquals(want.dtype(), got.dtype(), t.getName());
                assertArrayEquals(want.shape(), got.shape(), t.getName());
                assertEquals(want.data(), got.data(), t.getName());
            }
            // every weight matrix (the tied embedding twice: gathered and transposed for the head)
            assertTrue(external >= 2 + 7 * whole.getGraph().getNodeList().stream()
                    .filter(n -> n.getName().endsWith("/self_attn/q_proj/MatMul")).count(), "external: " + external);
            assertEquals(fp16 ? "fp16" : "fp32", streamed.getMetadataPropsList().stream()
                    .filter(p -> p.getKey().equals("linforge.precision")).findFirst().orElseThrow().getValue());
        }
    }
}
