package io.linforge.exporter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.core.checkpoint.ModelInit;
import io.linforge.core.config.ModelConfig;
import io.linforge.core.tensor.TensorData;
import io.linforge.model.DecoderModel;
import io.linforge.model.ForwardContext;
import io.linforge.model.Generation;
import io.linforge.model.TransformerModel;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each decoder variant a config can ask for (rotary scaling, biases, head size, model type) runs
 * the same on DJL and in its ONNX export on ONNX Runtime: logits of a padded batch and greedy
 * decoding with the exported key/value cache.
 */
class DecoderVariantsExportTest {
    @TempDir
    Path tmp;

    static ModelConfig config(String variant) {
        ModelConfig.Builder b = ModelConfig.builder(variant.startsWith("qwen2") ? "qwen2"
                : variant.startsWith("mistral") ? "mistral" : "llama")
                .set("vocab_size", 64).set("hidden_size", 32).set("num_hidden_layers", 2).set("num_attention_heads", 4)
                .set("num_key_value_heads", 2).set("intermediate_size", 48).set("max_position_embeddings", 96)
                .set("rms_norm_eps", 1e-5);
        return switch (variant) {
            case "llama3_rope" -> b.set("num_key_value_heads", 1).set("tie_word_embeddings", true).set("rope_theta", 500000.0)
                    .json("rope_scaling", "{\"rope_type\":\"llama3\",\"factor\":8.0,\"low_freq_factor\":1.0,"
                            + "\"high_freq_factor\":4.0,\"original_max_position_embeddings\":16}").build();
            case "linear_rope" -> b.json("rope_parameters", "{\"rope_type\":\"linear\",\"factor\":4.0,\"rope_theta\":10000.0}")
                    .build();
            case "llama_attention_bias" -> b.set("attention_bias", true).set("mlp_bias", true).build();
            case "mistral" -> b.set("head_dim", 12).set("sliding_window", 96).build();
            case "qwen2" -> b.set("tie_word_embeddings", true).build();
            default -> throw new IllegalArgumentException(variant);
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3_rope", "linear_rope", "llama_attention_bias", "mistral", "qwen2"})
    void djlAndOnnxRuntimeAgree(String variant) throws Exception {
        ModelConfig c = config(variant);
        SplittableRandom rng = new SplittableRandom(7);
        Map<String, TensorData> t = new LinkedHashMap<>();
        ModelInit.llama(c, 3).forEach((k, v) -> {
            float[] x = v.toFloats();
            if (k.endsWith(".bias") || k.endsWith("norm.weight")) {
                for (int i = 0; i < x.length; i++) {
                    x[i] += (float) (rng.nextDouble() - 0.5) * 0.2f;
                }
            }
            t.put(k, TensorData.ofFloats(v.shape(), x));
        });
        Path dir = tmp.resolve(variant);
        Checkpoint.save(dir, c, t, null);
        long[][] ids = new long[2][40];
        long[][] mask = new long[2][40];
        for (int r = 0; r < 2; r++) {
            for (int j = 0; j < 40; j++) {
                boolean real = j < (r == 0 ? 40 : 27);
                ids[r][j] = real ? 1 + rng.nextInt(63) : 0;
                mask[r][j] = real ? 1 : 0;
            }
        }
        float[] djl;
        long[] djlGreedy;
        try (NDManager root = NDManager.newBaseManager(); Checkpoint ck = Checkpoint.open(dir);
                TransformerModel tm = TransformerModel.load(ck, root, DataType.FLOAT32);
                NDManager m = root.newSubManager()) {
            djl = ((DecoderModel) tm).forward(ids, mask, new ForwardContext(m, false, DataType.FLOAT32), false).logits()
                    .toFloatArray();
            djlGreedy = Generation.greedy((DecoderModel) tm, m, ids[0], 24, true);
        }
        Path out = tmp.resolve(variant + "-onnx");
        OnnxExporter.export(dir, List.of(), out, new OnnxExporter.Options(false, 17, true, false));
        Path onnx = out.resolve("model.onnx");
        float[] ort = OnnxExporterTest.decoderLogits(onnx, ids, mask, 2, c.numKeyValueHeads(), c.headDim());
        double d = OnnxExporterTest.maxAbs(ort, djl);
        assertTrue(d <= 1e-5, variant + " ORT vs DJL logits " + d);
        assertArrayEquals(djlGreedy, OnnxExporterTest.ortGenerate(onnx, ids[0], 24, 0, 0), variant + " greedy");
        OnnxChecker.check(onnx);
        System.out.printf("%s: ORT vs DJL logits %.2e, 24 greedy tokens equal%n", variant, d);
    }
}
