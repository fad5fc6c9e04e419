package io.linforge.compressor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.core.config.ModelConfig;
import io.linforge.core.tensor.TensorData;
import io.linforge.core.text.Tokenizer;
import io.linforge.model.EncoderModel;
import io.linforge.model.TransformerModel;
import io.linforge.model.text.HfTokenizer;
import io.linforge.trainer.Distiller;
import io.linforge.trainer.data.ClassificationData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Distillation healing on the tiny BERT fixture: a layer is replaced by a fitted map, then the
 * compressed model is distilled towards the original; the held-out KL divergence drops, and the
 * result depends only on the seed.
 */
class DistillationTest {
    static final Path HF = Path.of("../core/src/test/resources/fixtures/hf");
    static final int VOCAB = 128;

    @TempDir
    static Path tmp;
    static Path original;
    static Path data;
    static Path compressed;
    static ModelConfig config;
    static Map<String, TensorData> tensors;
    static ObjectNode compression;

    /** A word-level tokenizer over the fixture's 128 ids: [PAD] [UNK] [CLS] [SEP] w4 … w127. */
    static String tokenizerJson() {
        StringBuilder vocab = new StringBuilder("\"[PAD]\":0,\"[UNK]\":1,\"[CLS]\":2,\"[SEP]\":3");
        for (int i = 4; i < VOCAB; i++) {
            vocab.append(",\"w").append(i).append("\":").append(i);
        }
        StringBuilder added = new StringBuilder();
        String[] special = {"[PAD]", "[UNK]", "[CLS]", "[SEP]"};
        for (int i = 0; i < special.length; i++) {
            added.append(i == 0 ? "" : ",").append("{\"id\":").append(i).append(",\"content\":\"").append(special[i])
                    .append("\",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,\"normalized\":false,\"special\":true}");
        }
        return "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,\"added_tokens\":[" + added + "],"
                + "\"normalizer\":null,\"pre_tokenizer\":{\"type\":\"Whitespace\"},"
                + "\"post_processor\":{\"type\":\"BertProcessing\",\"sep\":[\"[SEP]\",3],\"cls\":[\"[CLS]\",2]},"
                + "\"decoder\":null,\"model\":{\"type\":\"WordLevel\",\"vocab\":{" + vocab + "},\"unk_token\":\"[UNK]\"}}";
    }

    @BeforeAll
    static void compressTheFixture() throws Exception {
        // the random fixture is close to linear (small weights: near-uniform attention, GELU near 0) and its
        // head gives near-uniform predictions; larger weights make its layers non-linear and its head sharp
        original = tmp.resolve("original");
        try (Checkpoint c = Checkpoint.open(HF.resolve("bert"))) {
            Map<String, TensorData> t = new LinkedHashMap<>(c.tensors());
            for (Map.Entry<String, TensorData> e : c.tensors().entrySet()) {
                String n = e.getKey();
                float scale = n.equals("classifier.weight") ? 40 : n.endsWith("query.weight") || n.endsWith("key.weight")
                        || n.endsWith("intermediate.dense.weight") ? 20 : 1;
                if (scale != 1) {
                    float[] w = e.getValue().toFloats();
                    for (int i = 0; i < w.length; i++) {
                        w[i] *= scale;
                    }
                    t.put(n, TensorData.ofFloats(e.getValue().shape(), w));
                }
            }
            Path tok = tmp.resolve("tokenizer.json");
            Files.writeString(tok, tokenizerJson());
            Checkpoint.save(original, c.config(), t, tok);
        }
        SplittableRandom rng = new SplittableRandom(5);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            int n = 6 + rng.nextInt(14);
            StringBuilder text = new StringBuilder();
            int low = 0;
            for (int j = 0; j < n; j++) {
                int id = 4 + rng.nextInt(VOCAB - 4);
                low += id < 40 ? 1 : 0;
                text.append(j == 0 ? "" : " ").append("w").append(id);
            }
            lines.add("{\"text\":\"" + text + "\",\"label\":\"LABEL_" + (low % 3) + "\",\"split\":\""
                    + (i < 300 ? "train" : "test") + "\"}");
        }
        data = tmp.resolve("data.jsonl");
        Files.write(data, lines);
        try (Checkpoint c = Checkpoint.open(original)) {
            config = c.config();
            tensors = new LinkedHashMap<>();
            for (String name : c.tensorNames()) {
                tensors.put(name, TensorData.ofFloats(c.tensor(name).shape(), c.tensor(name).toFloats()));
            }
        }
        compressed = tmp.resolve("compressed");
        compression = Compressor.compress(original, config, tensors, data, compressed,
                new Compressor.Config(1.0, 1, 200, 24, 42, 40));
    }

    static ObjectNode heal(Path out, long seed, double alpha) {
        return Healing.distill(compressed, config, tensors, original, data, 42, out,
                Distiller.Config.of(40, 16, 2e-3, 24, 2.0, alpha, seed));
    }

    @Test
    void distillationBringsHeldOutPredictionsBackTowardsTheOriginal() {
        assertEquals(1, compression.get("replaced_layers").size());
        double before = compression.get("test_kl_to_original").asDouble();
        assertTrue(before > 1e-4, "replacing a layer moves the predictions (KL " + before + ")");
        ObjectNode r = heal(tmp.resolve("healed"), 43, 1.0);
        double after = r.get("test_kl_to_original_after_healing").asDouble();
        assertTrue(after < 0.5 * before, "held-out KL to the original " + before + " -> " + after);
        assertEquals(100, compression.get("test_rows").asInt());
        try (Checkpoint c = Checkpoint.open(tmp.resolve("healed"))) {
            assertTrue(c.tensorNames().stream().noneMatch(n -> n.contains("lora_")), "adapters folded in");
            assertTrue(c.has("bert.encoder.layer." + compression.get("replaced_layers").get(0).asInt() + ".linear_map.weight"));
            assertEquals(List.copyOf(c.config().linearLayers()),
                    List.of(compression.get("replaced_layers").get(0).asInt()));
        }
    }

    /**
     * Same seed, same weights, also when garbage collections run during training (every 20 ms here):
     * a collection may free memory that the autograd graph still reads (see {@code Scalars}), which
     * made one run of a pair differ, or skip updates on NaN gradients, whenever one happened to fall
     * between a forward and a backward pass.
     */
    @Test
    void sameSeedSameWeightsOtherSeedOtherWeights() throws Exception {
        Thread collector = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                System.gc();
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "gc-every-20ms");
        collector.setDaemon(true);
        collector.start();
        ObjectNode a0;
        ObjectNode b0;
        try {
            a0 = heal(tmp.resolve("a"), 7, 0.5);
            b0 = heal(tmp.resolve("b"), 7, 0.5);
            heal(tmp.resolve("c"), 8, 0.5);
        } finally {
            collector.interrupt();
            collector.join();
        }
        assertEquals(0, a0.get("skipped_steps").asInt(), "no update skipped on a non-finite gradient");
        assertEquals(a0.get("curve").toString(), b0.get("curve").toString());
        try (Checkpoint a = Checkpoint.open(tmp.resolve("a")); Checkpoint b = Checkpoint.open(tmp.resolve("b"));
                Checkpoint c = Checkpoint.open(tmp.resolve("c"))) {
            assertEquals(a.tensorNames(), b.tensorNames());
            boolean differs = false;
            for (String n : a.tensorNames()) {
                float[] x = a.tensor(n).toFloats();
                assertArrayEquals(x, b.tensor(n).toFloats(), 0f, n);
                differs |= !java.util.Arrays.equals(x, c.tensor(n).toFloats());
            }
            assertTrue(differs, "another seed gives other weights");
            assertFalse(a.tensorNames().isEmpty());
        }
    }

    /**
     * Distils the compressed fixture towards the original in process and returns the student's
     * weights; the loop's training checkpoint next to {@code out} is left in place.
     */
    static Map<String, float[]> distilledWeights(Path out, Distiller.Config c) {
        ClassificationData d = ClassificationData.read(data, 42, 0, 0);
        try (Checkpoint ck = Checkpoint.open(compressed); Tokenizer tok = HfTokenizer.forCheckpoint(ck);
                NDManager root = NDManager.newBaseManager();
                TransformerModel s = TransformerModel.load(ck, root, DataType.FLOAT32);
                TransformerModel t = TransformerModel.load(config, tensors, original, root, DataType.FLOAT32)) {
            Distiller.distill((EncoderModel) s, (EncoderModel) t, tok, d.train(), d.test(), d.labels().size(), c, out);
            Map<String, float[]> w = new LinkedHashMap<>();
            s.stateDict().forEach((n, v) -> w.put(n, v.toFloats()));
            return w;
        }
    }

    /** Largest absolute difference between two sets of weights with the same names. */
    static double maxDiff(Map<String, float[]> a, Map<String, float[]> b) {
        assertEquals(a.keySet(), b.keySet());
        double most = 0;
        for (String n : a.keySet()) {
            float[] x = a.get(n);
            float[] y = b.get(n);
            for (int i = 0; i < x.length; i++) {
                most = Math.max(most, Math.abs(x[i] - y[i]));
            }
        }
        return most;
    }

    /** Without dropout, two accumulated micro-batches of 16 rows are one update over the same 32 rows. */
    @Test
    void accumulatedMicroBatchesEqualOneBatchOfTheirSize() {
        // steps, batch, lr, seq, rank, lora alpha, dropout, temperature, alpha, seed, warm-up, decay, clip, accumulate
        Distiller.Config twice = new Distiller.Config(6, 32, 2e-3, 24, 8, 16, 0, 2.0, 0.5, 9, 1, 0.01, 1.0, 1, 0, false);
        Map<String, float[]> whole = distilledWeights(tmp.resolve("acc-whole"), twice);
        Map<String, float[]> halves = distilledWeights(tmp.resolve("acc-halves"),
                new Distiller.Config(6, 16, 2e-3, 24, 8, 16, 0, 2.0, 0.5, 9, 1, 0.01, 1.0, 1, 0, false).accumulating(2));
        Map<String, float[]> half = distilledWeights(tmp.resolve("acc-half"),
                new Distiller.Config(6, 16, 2e-3, 24, 8, 16, 0, 2.0, 0.5, 9, 1, 0.01, 1.0, 1, 0, false));
        double same = maxDiff(whole, halves);
        double other = maxDiff(whole, half);
        assertTrue(same < 1e-5, "accumulate 2 x 16 vs batch 32: max weight difference " + same);
        assertTrue(other > 100 * same && other > 1e-4, "batch 16 alone differs from batch 32 (" + other + ")");
    }

    /** A distillation resumed from its training checkpoint ends with the uninterrupted run's weights. */
    @Test
    void resumedDistillationEqualsTheUninterruptedRun() throws Exception {
        Distiller.Config c = Distiller.Config.of(8, 16, 2e-3, 24, 2.0, 0.5, 12).checkpointing(4, false);
        Path out = tmp.resolve("resumed");
        Map<String, float[]> straight = distilledWeights(out, c);
        Path ckpt = io.linforge.trainer.TrainingCheckpoint.dirFor(out);
        assertEquals(4, new com.fasterxml.jackson.databind.ObjectMapper().readTree(ckpt.resolve("state.json").toFile())
                .path("step").asInt(), "the run kept its checkpoint of step 4");
        Map<String, float[]> resumed = distilledWeights(out, c.checkpointing(4, true));
        assertEquals(0, maxDiff(straight, resumed), "resumed from step 4");
    }
}
