package io.linforge.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.core.checkpoint.Safetensors;
import io.linforge.core.tensor.TensorData;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Our DJL models against Hugging Face transformers: tiny random-init checkpoints and their
 * outputs made by {@code tests/fixtures/make_fixtures.py} (transformers 5.17, torch 2.11).
 */
class TransformersParityTest {
    static final Path FIXTURES = Path.of("src/test/resources/fixtures/hf");
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
