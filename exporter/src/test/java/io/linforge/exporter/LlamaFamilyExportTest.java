package io.linforge.exporter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.core.checkpoint.Safetensors;
import io.linforge.core.config.ModelConfig;
import io.linforge.core.tensor.TensorData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Exports of the LLaMA-family fixtures (rotary scaling, biases, Mistral, Qwen2; made by
 * {@code tests/fixtures/make_llama_family_fixtures.py}) on ONNX Runtime against transformers:
 * the logits of the padded batch, and greedy decoding with the exported key/value cache.
 */
class LlamaFamilyExportTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"llama3_rope", "linear_rope", "llama2", "mistral", "qwen2", "llama_attention_bias"})
    void exportMatchesTransformers(String name) throws Exception {
        Path dir = OnnxExporterTest.HF.resolve(name);
        Assumptions.assumeTrue(Files.isRegularFile(dir.resolve("expected.safetensors")), "fixture " + name
                + " not generated yet");
        Map<String, TensorData> exp = Safetensors.readAll(dir.resolve("expected.safetensors"));
        ModelConfig c;
        try (Checkpoint ck = Checkpoint.open(dir)) {
            c = ck.config();
        }
        Path out = tmp.resolve(name);
        OnnxExporter.export(dir, List.of(), out, new OnnxExporter.Options(false, 17, true, false));
        Path onnx = out.resolve("model.onnx");
        OnnxChecker.check(onnx);
        long[][] ids = OnnxExporterTest.rows(exp.get("input_ids"));
        long[][] mask = OnnxExporterTest.rows(exp.get("attention_mask"));
        float[] logits = OnnxExporterTest.decoderLogits(onnx, ids, mask, c.numHiddenLayers(), c.numKeyValueHeads(),
                c.headDim());
        double d = OnnxExporterTest.maxAbs(logits, exp.get("logits").toFloats());
        assertTrue(d <= 1e-4, name + " ORT logits vs transformers " + d);
        long[] greedy = exp.get("greedy_ids").toLongs();
        int n = 0;
        while (n < mask[0].length && mask[0][n] == 1) {
            n++;
        }
        long[] prompt = java.util.Arrays.copyOf(ids[0], n);
        long[] got = OnnxExporterTest.ortGenerate(onnx, prompt, greedy.length - n, 0, 0);
        assertArrayEquals(greedy, got, name + " greedy tokens: ORT with the KV cache vs transformers");
        System.out.printf("%s export: ORT logits vs transformers %.2e, %d greedy tokens equal%n", name, d,
                greedy.length - n);
    }
}
