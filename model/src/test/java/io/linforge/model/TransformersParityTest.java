package io.linforge.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.core.checkpoint.Safetensors;
import io.linforge.core.tensor.TensorData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Our DJL models against Hugging Face transformers: tiny random-init checkpoints and their
 * outputs made by {@code tests/fixtures/make_fixtures.py} (transformers 5.17, torch 2.11), and the
 * LLaMA-family cases of {@code tests/fixtures/make_llama_family_fixtures.py} (rotary scaling,
 * biases, Mistral, Qwen2), which run when their folders are present.
 */
class TransformersParityTest {
    static final Path FIXTURES = Path.of("../core/src/test/resources/fixtures/hf");
    static NDManager root;

    @BeforeAll
    static void setUp() {
        root = NDManager.newBaseManager();
    }

    @AfterAll
    static void tearDown() {
        root.close();
    }

    static long[][] rows(TensorData t) {
        return t.toLongMatrix();
    }

    /** max |a − b| over all elements, after checking the shapes agree. */
    static double maxAbs(NDArray ours, TensorData ref) {
        assertArrayEquals(ref.shape(), ours.getShape().getShape(), "shape");
        float[] a = ours.toType(DataType.FLOAT32, false).toFloatArray();
        float[] b = ref.toFloats();
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    static double maxRel(NDArray ours, TensorData ref) {
        double scale = 0;
        for (float f : ref.toFloats()) {
            scale = Math.max(scale, Math.abs(f));
        }
        return maxAbs(ours, ref) / scale;
    }

    void encoderParity(String name, boolean hasPooler) {
        Map<String, TensorData> exp = Safetensors.readAll(FIXTURES.resolve(name + "/expected.safetensors"));
        try (Checkpoint ckpt = Checkpoint.open(FIXTURES.resolve(name));
                TransformerModel tm = TransformerModel.load(ckpt, root, DataType.FLOAT32);
                NDManager m = root.newSubManager()) {
            EncoderModel model = (EncoderModel) tm;
            ForwardContext ctx = new ForwardContext(m, false, DataType.FLOAT32);
            TensorData types = exp.get("token_type_ids");
            EncoderModel.Output out = model.forward(rows(exp.get("input_ids")), rows(exp.get("attention_mask")),
                    types == null ? null : rows(types), ctx, true);
            double worst = 0;
            for (int i = 0; i < out.hiddenStates().size(); i++) {
                double d = maxAbs(out.hiddenStates().get(i), exp.get("hidden_states." + i));
                assertTrue(d <= 1e-4, name + " hidden_states." + i + " max abs diff " + d);
                worst = Math.max(worst, d);
            }
            assertEquals(ckpt.config().numHiddenLayers() + 1, out.hiddenStates().size());
            double last = maxAbs(out.lastHidden(), exp.get("last_hidden_state"));
            double logits = maxAbs(out.logits(), exp.get("logits"));
            assertTrue(last <= 1e-4, name + " last_hidden_state " + last);
            assertTrue(logits <= 1e-4, name + " logits " + logits);
            if (hasPooler) {
                double pooled = maxAbs(out.pooled(), exp.get("pooler_output"));
                assertTrue(pooled <= 1e-4, name + " pooler " + pooled);
            }
            System.out.printf("%s parity: hidden %.2e, last %.2e, logits %.2e%n", name, worst, last, logits);
        }
    }

    @Test
    void bertMatchesTransformers() {
        encoderParity("bert", true);
    }

    @Test
    void robertaMatchesTransformers() {
        encoderParity("roberta", false);
    }

    /** transformers' tanh forms of GELU (gelu_new, gelu_pytorch_tanh), closer than the erf form is to them. */
    @Test
    void tanhGeluMatchesTransformers() {
        for (String name : java.util.List.of("bert_gelu_new", "bert_gelu_tanh")) {
            encoderParity(name, true);
            Map<String, TensorData> exp = Safetensors.readAll(FIXTURES.resolve(name + "/expected.safetensors"));
            try (Checkpoint ckpt = Checkpoint.open(FIXTURES.resolve(name));
                    TransformerModel tm = TransformerModel.load(ckpt, root, DataType.FLOAT32);
                    NDManager m = root.newSubManager()) {
                EncoderModel.Output out = ((EncoderModel) tm).forward(rows(exp.get("input_ids")),
                        rows(exp.get("attention_mask")), rows(exp.get("token_type_ids")),
                        new ForwardContext(m, false, DataType.FLOAT32), false);
                NDArray erf = m.create(exp.get("logits_with_erf_gelu").toFloats(), out.logits().getShape());
                double gap = maxAbs(erf, exp.get("logits"));
                double d = maxAbs(out.logits(), exp.get("logits"));
                assertTrue(gap > 5e-5 && d <= gap / 10, name + ": logits " + d + ", erf form " + gap);
            }
        }
    }

    DecoderModel.Output decoder(String name, DataType dt, NDManager m, Map<String, TensorData> exp, TransformerModel tm) {
        ForwardContext ctx = new ForwardContext(m, false, dt);
        return ((DecoderModel) tm).forward(rows(exp.get("input_ids")), rows(exp.get("attention_mask")), ctx, true);
    }

    void llamaParity(String name) {
        Map<String, TensorData> exp = Safetensors.readAll(FIXTURES.resolve(name + "/expected.safetensors"));
        try (Checkpoint ckpt = Checkpoint.open(FIXTURES.resolve(name));
                TransformerModel tm = TransformerModel.load(ckpt, root, DataType.FLOAT32);
                NDManager m = root.newSubManager()) {
            DecoderModel.Output out = decoder(name, DataType.FLOAT32, m, exp, tm);
            int layers = ckpt.config().numHiddenLayers();
            for (int i = 0; i < layers; i++) {
                double d = maxAbs(out.hiddenStates().get(i), exp.get("hidden_states." + i));
                assertTrue(d <= 1e-4, name + " hidden_states." + i + " " + d);
            }
            double last = maxAbs(out.lastHidden(), exp.get("hidden_states." + layers));
            double logits = maxAbs(out.logits(), exp.get("logits"));
            assertTrue(last <= 1e-4, name + " final norm " + last);
            assertTrue(logits <= 1e-4, name + " logits " + logits);
            System.out.printf("%s parity: last %.2e, logits %.2e%n", name, last, logits);
        }
        try (Checkpoint ckpt = Checkpoint.open(FIXTURES.resolve(name));
                TransformerModel tm = TransformerModel.load(ckpt, root, DataType.FLOAT16);
                NDManager m = root.newSubManager()) {
            DecoderModel.Output out = decoder(name, DataType.FLOAT16, m, exp, tm);
            assertEquals(DataType.FLOAT16, out.logits().getDataType());
            double rel = maxRel(out.logits(), exp.get("logits"));
            assertTrue(rel <= 1e-2, name + " fp16 logits relative error " + rel);
            System.out.printf("%s fp16: max relative %.2e%n", name, rel);
        }
    }

    @Test
    void llamaWithGroupedQueryAttentionMatchesTransformers() {
        llamaParity("llama");
    }

    @Test
    void llamaWithTiedEmbeddingsMatchesTransformers() {
        llamaParity("llama_tied");
    }

    static Map<String, TensorData> family(String name) {
        Path exp = FIXTURES.resolve(name + "/expected.safetensors");
        Assumptions.assumeTrue(Files.isRegularFile(exp), "fixture " + name + " not generated yet");
        return Safetensors.readAll(exp);
    }

    /** The unpadded first prompt of a fixture's batch. */
    static long[] firstPrompt(Map<String, TensorData> exp) {
        long[][] ids = rows(exp.get("input_ids"));
        long[][] mask = rows(exp.get("attention_mask"));
        int n = 0;
        while (n < mask[0].length && mask[0][n] == 1) {
            n++;
        }
        return java.util.Arrays.copyOf(ids[0], n);
    }

    static double maxAbs(float[] a, float[] b) {
        assertEquals(b.length, a.length, "length");
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3_rope", "linear_rope", "llama2", "mistral", "qwen2", "llama_attention_bias"})
    void llamaFamilyMatchesTransformers(String name) {
        Map<String, TensorData> exp = family(name);
        llamaParity(name);
        try (Checkpoint ckpt = Checkpoint.open(FIXTURES.resolve(name));
                TransformerModel tm = TransformerModel.load(ckpt, root, DataType.FLOAT32);
                NDManager m = root.newSubManager()) {
            DecoderModel model = (DecoderModel) tm;
            float[] inv = model.inverseFrequencies();
            float[] want = exp.get("rotary.inv_freq").toFloats();
            double invDiff = 0;
            for (int i = 0; i < inv.length; i++) {
                invDiff = Math.max(invDiff, Math.abs(inv[i] - want[i]) / want[i]);
            }
            assertEquals(want.length, inv.length);
            assertTrue(invDiff <= 3e-7, name + " inv_freq relative difference " + invDiff);
            int s = (int) exp.get("rotary.cos").shape()[0];
            float[][] tables = model.rotaryTables(0, s);
            double cos = maxAbs(tables[0], exp.get("rotary.cos").toFloats());
            double sin = maxAbs(tables[1], exp.get("rotary.sin").toFloats());
            assertTrue(cos <= 1e-6 && sin <= 1e-6, name + " rotary tables: cos " + cos + ", sin " + sin);
            long[] greedy = exp.get("greedy_ids").toLongs();
            long[] prompt = firstPrompt(exp);
            long[] cached = Generation.greedy(model, m, prompt, greedy.length - prompt.length, true);
            long[] full = Generation.greedy(model, m, prompt, greedy.length - prompt.length, false);
            assertArrayEquals(greedy, cached, name + " greedy with the KV cache");
            assertArrayEquals(greedy, full, name + " greedy by full recomputation");
            System.out.printf("%s: inv_freq %.1e relative, cos %.1e, sin %.1e, %d greedy tokens equal%n", name, invDiff,
                    cos, sin, greedy.length - prompt.length);
        }
    }

    @TempDir
    Path tmp;

    /**
     * The same checkpoint with its config as transformers before 5 wrote it ({@code rope_scaling}
     * and a top-level {@code rope_theta}, no {@code rope_parameters}) gives the same logits.
     */
    @ParameterizedTest
    @ValueSource(strings = {"llama", "llama3_rope", "linear_rope", "llama2"})
    void olderRopeScalingSpellingGivesTheSameLogits(String name) throws Exception {
        Map<String, TensorData> exp = family(name);
        Path dir = tmp.resolve(name);
        Files.createDirectories(dir);
        Files.copy(FIXTURES.resolve(name + "/model.safetensors"), dir.resolve("model.safetensors"));
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        var cfg = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(FIXTURES.resolve(name + "/config.json")
                .toFile());
        var rp = (com.fasterxml.jackson.databind.node.ObjectNode) cfg.remove("rope_parameters");
        if (rp != null) {
            cfg.set("rope_theta", rp.remove("rope_theta"));
            if (rp.path("rope_type").asText("default").equals("default")) {
                cfg.putNull("rope_scaling");
            } else {
                cfg.set("rope_scaling", rp);
            }
        }
        Files.writeString(dir.resolve("config.json"), cfg.toString());
        float[] now;
        float[] before;
        try (Checkpoint a = Checkpoint.open(FIXTURES.resolve(name)); Checkpoint b = Checkpoint.open(dir);
                TransformerModel ta = TransformerModel.load(a, root, DataType.FLOAT32);
                TransformerModel tb = TransformerModel.load(b, root, DataType.FLOAT32);
                NDManager m = root.newSubManager()) {
            assertTrue(!b.config().toJson().has("rope_parameters"));
            assertEquals(a.config().rope(), b.config().rope());
            now = decoder(name, DataType.FLOAT32, m, exp, ta).logits().toFloatArray();
            before = decoder(name, DataType.FLOAT32, m, exp, tb).logits().toFloatArray();
        }
        assertArrayEquals(now, before);
        double d = maxAbs(before, exp.get("logits").toFloats());
        assertTrue(d <= 1e-4, name + " logits with rope_scaling " + d);
    }

    @Test
    void bertInFp16StaysWithinOnePercent() {
        Map<String, TensorData> exp = Safetensors.readAll(FIXTURES.resolve("bert/expected.safetensors"));
        try (Checkpoint ckpt = Checkpoint.open(FIXTURES.resolve("bert"));
                TransformerModel tm = TransformerModel.load(ckpt, root, DataType.FLOAT16);
                NDManager m = root.newSubManager()) {
            EncoderModel.Output out = ((EncoderModel) tm).forward(rows(exp.get("input_ids")),
                    rows(exp.get("attention_mask")), rows(exp.get("token_type_ids")),
                    new ForwardContext(m, false, DataType.FLOAT16), false);
            double rel = maxRel(out.lastHidden(), exp.get("last_hidden_state"));
            assertTrue(rel <= 1e-2, "fp16 last_hidden_state relative error " + rel);
        }
    }

    @Test
    void greedyDecodingWithCacheMatchesTransformersGenerate() {
        Map<String, TensorData> exp = Safetensors.readAll(FIXTURES.resolve("llama/expected.safetensors"));
        long[] want = exp.get("greedy_tokens").toLongs();
        long[][] ids = rows(exp.get("input_ids"));
        long[][] mask = rows(exp.get("attention_mask"));
        int n = 0;
        while (n < mask[0].length && mask[0][n] == 1) {
            n++;
        }
        long[] prompt = java.util.Arrays.copyOf(ids[0], n);
        try (Checkpoint ckpt = Checkpoint.open(FIXTURES.resolve("llama"));
                TransformerModel tm = TransformerModel.load(ckpt, root, DataType.FLOAT32);
                NDManager m = root.newSubManager()) {
            long[] got = Generation.greedy((DecoderModel) tm, m, prompt, want.length - n, true);
            long[] full = Generation.greedy((DecoderModel) tm, m, prompt, want.length - n, false);
            assertArrayEquals(want, got, "with KV cache");
            assertArrayEquals(want, full, "full recomputation");
        }
    }
}
