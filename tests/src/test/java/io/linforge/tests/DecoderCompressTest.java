package io.linforge.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.cli.Main;
import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.core.text.Tokenizer;
import io.linforge.model.DecoderModel;
import io.linforge.model.Generation;
import io.linforge.model.LinearMapBlock;
import io.linforge.model.TransformerModel;
import io.linforge.model.text.HfTokenizer;
import io.linforge.runtime.Generator;
import io.linforge.runtime.OrtInferenceSession;
import io.linforge.runtime.SessionConfig;
import io.linforge.trainer.CausalLmTrainer;
import io.linforge.trainer.data.TextBlocks;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code compress} on a small LLaMA-style decoder trained on a slice of Moby-Dick: the perplexity
 * budget, the report against an independent recomputation, ONNX export with the key/value cache,
 * and healing.
 */
class DecoderCompressTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final int SEQ = 64;
    static final String HELD_OUT = "0.1";

    @TempDir
    static Path shared;

    @TempDir
    Path tmp;

    static Path text;
    static Path trained;

    /**
     * A 4-layer decoder (d=64, 4 query / 2 key-value heads) trained in full on 48 KB of text, long
     * enough that every layer matters (replacing any one raises the validation perplexity).
     */
    @BeforeAll
    static void train() throws Exception {
        ObjectNode cfg = (ObjectNode) JSON.readTree(MiniLm.ROOT.resolve("recipes/models/llama-d256-l6-gqa.json").toFile());
        cfg.put("hidden_size", 64).put("intermediate_size", 128).put("num_hidden_layers", 4).put("head_dim", 16)
                .put("num_attention_heads", 4).put("num_key_value_heads", 2).put("max_position_embeddings", 128);
        Files.writeString(shared.resolve("tiny.json"), JSON.writeValueAsString(cfg));
        String moby = Files.readString(MiniLm.ROOT.resolve("recipes/data/moby_dick.txt"), StandardCharsets.UTF_8);
        text = shared.resolve("moby.txt");
        Files.writeString(text, moby.substring(0, 48_000), StandardCharsets.UTF_8);
        Path init = shared.resolve("init");
        assertEquals(0, Main.execute("init", "--config", shared.resolve("tiny.json").toString(), "--seed", "1",
                "--out", init.toString()));
        trained = shared.resolve("trained");
        assertEquals(0, Main.execute("train", "--model", init.toString(), "--data", text.toString(), "--method", "full",
                "--steps", "300", "--batch", "8", "--seq", String.valueOf(SEQ), "--lr", "5e-3", "--warmup", "20",
                "--weight-decay", "0", "--held-out", HELD_OUT, "--seed", "3", "--save-every", "0", "--out",
                trained.toString()));
    }

    static JsonNode compress(Path out, String... extra) throws Exception {
        Path json = out.resolveSibling(out.getFileName() + ".json");
        List<String> args = new ArrayList<>(List.of("compress", "--model", trained.toString(), "--data", text.toString(),
                "--samples", "48", "--validation", "24", "--seq", String.valueOf(SEQ), "--held-out", HELD_OUT,
                "--out", out.toString(), "--json", json.toString()));
        args.addAll(List.of(extra));
        assertEquals(0, Main.execute(args.toArray(String[]::new)), String.join(" ", args));
        return JSON.readTree(json.toFile());
    }

    /** Test perplexity of a saved checkpoint, recomputed from scratch as the trainer measures it. */
    static double testPerplexity(Path ckpt) {
        try (Checkpoint c = Checkpoint.open(ckpt); Tokenizer tok = HfTokenizer.forCheckpoint(c);
                NDManager root = NDManager.newBaseManager();
                TransformerModel tm = TransformerModel.load(c, root, DataType.FLOAT32)) {
            TextBlocks blocks = TextBlocks.read(text, tok, SEQ, Double.parseDouble(HELD_OUT));
            return CausalLmTrainer.perplexity((DecoderModel) tm, blocks.test());
        }
    }

    static void assertRelative(double expected, double actual, double rel, String what) {
        assertTrue(Math.abs(expected - actual) <= rel * Math.abs(expected), what + ": " + expected + " vs " + actual);
    }

    @Test
    void oneBlockIsReplacedAndTheReportMatchesTheSavedCheckpoint() throws Exception {
        Path out = tmp.resolve("k1");
        JsonNode r = compress(out, "--max-blocks", "1", "--max-perplexity-ratio", "1000");
        assertEquals(1, r.get("replaced_layers").size());
        int layer = r.get("replaced_layers").get(0).asInt();
        JsonNode tried = r.get("tried");
        assertEquals(1, tried.size(), "the most linear layer is tried first and fits a loose budget");
        assertEquals(layer, tried.get(0).get("layer").asInt());
        assertTrue(tried.get(0).get("kept").asBoolean());
        assertEquals(tried.get(0).get("validation_perplexity").asDouble(), r.get("validation_perplexity_after").asDouble());
        double lin = tried.get(0).get("linearity").asDouble();
        assertTrue(lin > 0 && lin <= 1, "linearity " + lin);
        try (Checkpoint c = Checkpoint.open(out)) {
            assertTrue(c.has("model.layers." + layer + ".linear_map.weight"));
            assertFalse(c.has("model.layers." + layer + ".self_attn.q_proj.weight"));
            assertEquals(List.of(layer), List.copyOf(c.config().linearLayers()));
        }
        // a 64x64 map and its bias replace the attention (4 + 2x2 + 4 heads of 16) and MLP (3 x 64 x 128) and 2 norms
        long layerParams = 64 * 64 + 2 * 64 * 32 + 64 * 64 + 3 * 64 * 128 + 2 * 64;
        assertEquals(r.get("parameters_before").asLong() - layerParams + 64 * 64 + 64, r.get("parameters_after").asLong());
        // the reported perplexities are those of the saved checkpoints, recomputed independently
        assertRelative(testPerplexity(out), r.get("test_perplexity_after").asDouble(), 1e-6, "test perplexity after");
        assertRelative(testPerplexity(trained), r.get("test_perplexity_before").asDouble(), 1e-6, "test perplexity before");
        assertEquals(r.get("test_perplexity_after").asDouble() / r.get("test_perplexity_before").asDouble(),
                r.get("test_perplexity_ratio").asDouble(), 1e-12);
        assertTrue(r.get("test_kl_to_original").asDouble() > 0);
        assertEquals(24, r.get("validation_blocks").asInt());

        // the compressed decoder exports with its cache and decodes as DJL does without one
        Path onnx = tmp.resolve("onnx");
        assertEquals(0, Main.execute("export", "--model", out.toString(), "--out", onnx.toString()));
        long[] prompt;
        long[] djl;
        try (Checkpoint c = Checkpoint.open(out); Tokenizer tok = HfTokenizer.forCheckpoint(c);
                NDManager root = NDManager.newBaseManager();
                TransformerModel tm = TransformerModel.load(c, root, DataType.FLOAT32)) {
            assertTrue(tm.layers().get(layer) instanceof LinearMapBlock);
            prompt = tok.idsOf("Call me Ishmael. Some years ago");
            djl = Generation.greedy((DecoderModel) tm, root, prompt, 16, false);
        }
        long[] ort;
        try (OrtInferenceSession s = OrtInferenceSession.open(onnx.resolve("model.onnx"),
                SessionConfig.builder().intraOpThreads(2).build())) {
            assertFalse(s.hasInput("past_key_values." + layer + ".key"), "the replaced layer keeps no cache");
            assertEquals(2 * 3, s.inputs().stream().filter(i -> i.name().startsWith("past_key_values.")).count());
            ort = new Generator(s).greedy(prompt, 16, -1);
        }
        assertEquals(prompt.length + 16, ort.length);
        assertArrayEquals(djl, ort, "16 greedy tokens: ONNX Runtime with the cache vs DJL full recomputation: "
                + Arrays.toString(djl) + " vs " + Arrays.toString(ort));
    }

    @Test
    void aRatioOfOneKeepsEveryLayer() throws Exception {
        Path out = tmp.resolve("tight");
        JsonNode r = compress(out, "--max-perplexity-ratio", "1.0");
        assertEquals(0, r.get("replaced_layers").size(), r.toString());
        assertEquals(4, r.get("tried").size(), "every layer is tried");
        double before = r.get("validation_perplexity_before").asDouble();
        for (JsonNode t : r.get("tried")) {
            assertTrue(t.get("validation_perplexity").asDouble() > before, t.toString());
            assertFalse(t.get("kept").asBoolean());
        }
        assertEquals(before, r.get("validation_perplexity_after").asDouble());
        assertEquals(r.get("parameters_before").asLong(), r.get("parameters_after").asLong());
        assertEquals(r.get("test_perplexity_before").asDouble(), r.get("test_perplexity_after").asDouble());
        try (Checkpoint c = Checkpoint.open(out)) {
            assertTrue(c.config().linearLayers().isEmpty());
        }
    }

    @Test
    void loraHealingLowersTheTestPerplexityAndDistillationTheKlToTheOriginal() throws Exception {
        JsonNode lora = compress(tmp.resolve("lora"), "--max-blocks", "2", "--max-perplexity-ratio", "1000",
                "--heal", "lora", "--heal-steps", "30", "--heal-lr", "3e-3");
        assertEquals(2, lora.get("replaced_layers").size());
        double unhealed = lora.get("test_perplexity_after").asDouble();
        double healed = lora.get("test_perplexity_after_healing").asDouble();
        assertTrue(healed < unhealed, "test perplexity " + unhealed + " unhealed, " + healed + " after LoRA healing");
        assertRelative(testPerplexity(tmp.resolve("lora")), healed, 1e-6, "healed test perplexity");
        try (Checkpoint c = Checkpoint.open(tmp.resolve("lora"))) {
            assertTrue(c.tensorNames().stream().noneMatch(n -> n.contains("lora_")), "adapters folded in");
            for (JsonNode l : lora.get("replaced_layers")) {
                assertTrue(c.has("model.layers." + l.asInt() + ".linear_map.weight"));
            }
        }
        assertFalse(Files.exists(tmp.resolve("lora.unhealed")));

        JsonNode distill = compress(tmp.resolve("distill"), "--max-blocks", "2", "--max-perplexity-ratio", "1000",
                "--heal", "distill", "--heal-steps", "30", "--heal-lr", "3e-3", "--distill-alpha", "1");
        assertEquals(lora.get("replaced_layers"), distill.get("replaced_layers"), "same seed, same layers");
        double kl = distill.get("test_kl_to_original").asDouble();
        double klHealed = distill.get("test_kl_to_original_after_healing").asDouble();
        assertTrue(klHealed < 0.8 * kl, "KL to the original " + kl + " unhealed, " + klHealed + " after distillation");
        assertTrue(distill.get("test_perplexity_after_healing").asDouble() < unhealed);
        assertEquals(kl, lora.get("test_kl_to_original").asDouble(), 1e-12);
    }
}
