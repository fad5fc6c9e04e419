package io.linforge.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.cli.Main;
import io.linforge.core.text.Tokenizer;
import io.linforge.model.text.HfTokenizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The decoder pipeline of recipes/relora-decoder.yaml on a smaller model: init → ReLoRA
 * pre-training → analysis → fp32 and fp16 exports with the KV cache → perplexity gate → generation.
 */
class DecoderRecipeTest {
    @TempDir
    Path tmp;

    @Test
    void reloraDecoderRecipeRunsEndToEnd() throws Exception {
        ObjectMapper om = new ObjectMapper();
        ObjectNode cfg = (ObjectNode) om.readTree(MiniLm.ROOT.resolve("recipes/models/llama-d256-l6-gqa.json").toFile());
        cfg.put("hidden_size", 64).put("intermediate_size", 128).put("num_hidden_layers", 2).put("head_dim", 16)
                .put("num_attention_heads", 4).put("num_key_value_heads", 2).put("max_position_embeddings", 256);
        Files.writeString(tmp.resolve("tiny.json"), om.writeValueAsString(cfg));
        String moby = Files.readString(MiniLm.ROOT.resolve("recipes/data/moby_dick.txt"), StandardCharsets.UTF_8);
        Files.writeString(tmp.resolve("moby.txt"), moby.substring(0, 60_000), StandardCharsets.UTF_8);
        Path recipe = tmp.resolve("decoder.yaml");
        Files.writeString(recipe, """
                name: decoder
                stages:
                  - stage: init
                    with: {config: tiny.json, seed: 1}
                  - stage: train
                    with: {model: "${init}", data: moby.txt, method: relora, steps: 24, batch: 4, seq: 64, lr: 3e-3,
                           rank: 8, alpha: 8, lora-dropout: 0.0, warm-start: 8, relora-every: 8, restart-warmup: 2,
                           warmup: 4, limit-test: 8, eval-every: 8, seed: 3, save-every: 0}
                  - stage: analyze
                    with: {model: "${train}", data: moby.txt, samples: 8, seq: 64}
                  - stage: export
                    with: {model: "${train}"}
                  - stage: export
                    name: export-fp16
                    with: {model: "${train}", fp16: true}
                  - stage: validate
                    with: {reference: "${export}", candidate: "${export-fp16}", data: moby.txt, limit: 4, max-length: 64,
                           max-perplexity-ratio: 1.01}
                  - stage: generate
                    with: {model: "${export}", prompt: "Call me Ishmael.", max-new-tokens: 12, seed: 7}
                """);
        Path run = tmp.resolve("run");
        assertEquals(0, Main.execute("run", recipe.toString(), "--out", run.toString()));
        JsonNode m = om.readTree(run.resolve("manifest.json").toFile());
        assertEquals(7, m.get("stages").size());
        JsonNode train = om.readTree(run.resolve("train.result.json").toFile());
        // 16 low-rank updates, restarts every 8: one merge, after the phase's ninth update
        assertEquals(1, train.get("relora").get("merges").asInt());
        double ppl = train.get("eval_perplexity").asDouble();
        assertTrue(ppl > 1 && ppl < 200, "perplexity " + ppl);
        JsonNode gen = om.readTree(run.resolve("generate.result.json").toFile());
        assertEquals(12, gen.get("new_tokens").asInt());
        assertEquals("greedy", gen.get("mode").asText());
        JsonNode val = om.readTree(run.resolve("validate.result.json").toFile());
        assertTrue(val.toString().contains("perplexity"), val.toString());
        assertTrue(Files.readString(run.resolve("analyze/scores.csv")).lines().count() >= 3);
    }

    static long[] longs(JsonNode a) {
        return StreamSupport.stream(a.spliterator(), false).mapToLong(JsonNode::asLong).toArray();
    }

    /**
     * A Llama 3 style byte-level BPE and a SentencePiece-style BPE (made with Hugging Face tokenizers)
     * drive init, train, export and generate: the prompt reaches the model as transformers encodes
     * it (BOS first) and the completion is what the tokenizer decodes for the whole sequence.
     */
    @ParameterizedTest
    @ValueSource(strings = {"llama3_bpe", "sp_bpe"})
    void referenceTokenizersDriveTrainAndGenerate(String name) throws Exception {
        ObjectMapper om = new ObjectMapper();
        Path fixture = MiniLm.ROOT.resolve("core/src/test/resources/fixtures/tokenizers").resolve(name);
        JsonNode expected = om.readTree(fixture.resolve("expected.json").toFile());
        JsonNode ishmael = expected.get("cases").get(0);
        assertEquals("Call me Ishmael.", ishmael.get("text").asText());
        ObjectNode cfg = (ObjectNode) om.readTree(MiniLm.ROOT.resolve("recipes/models/llama-d256-l6-gqa.json").toFile());
        cfg.put("hidden_size", 32).put("intermediate_size", 64).put("num_hidden_layers", 1).put("head_dim", 8)
                .put("num_attention_heads", 4).put("num_key_value_heads", 2).put("max_position_embeddings", 64)
                .put("vocab_size", expected.get("vocab_size").asInt())
                .put("bos_token_id", expected.get("bos_token_id").asInt()).put("eos_token_id", expected.get("eos_token_id").asInt());
        Files.writeString(tmp.resolve("tiny.json"), om.writeValueAsString(cfg));
        String moby = Files.readString(MiniLm.ROOT.resolve("recipes/data/moby_dick.txt"), StandardCharsets.UTF_8);
        Files.writeString(tmp.resolve("moby.txt"), moby.substring(0, 20_000), StandardCharsets.UTF_8);
        Path init = tmp.resolve("init");
        Path trained = tmp.resolve("trained");
        Path export = tmp.resolve("export");
        assertEquals(0, Main.execute("init", "--config", tmp.resolve("tiny.json").toString(), "--tokenizer",
                fixture.resolve("tokenizer.json").toString(), "--seed", "1", "--out", init.toString()));
        assertEquals(0, Main.execute("train", "--model", init.toString(), "--data", tmp.resolve("moby.txt").toString(),
                "--method", "full", "--steps", "3", "--batch", "2", "--seq", "32", "--seed", "3", "--out", trained.toString()));
        assertEquals(0, Main.execute("export", "--model", trained.toString(), "--out", export.toString()));
        assertTrue(Files.exists(export.resolve("tokenizer_config.json")), "the decoding settings travel with the export");
        Path json = tmp.resolve("generate.json");
        assertEquals(0, Main.execute("generate", "--model", export.toString(), "--prompt", "Call me Ishmael.",
                "--max-new-tokens", "6", "--json", json.toString()));
        JsonNode gen = om.readTree(json.toFile());
        long[] prompt = longs(gen.get("prompt_token_ids"));
        assertArrayEquals(longs(ishmael.get("ids_with_specials")), prompt);
        long[] fresh = longs(gen.get("new_token_ids"));
        assertEquals(6, fresh.length);
        long[] all = Arrays.copyOf(prompt, prompt.length + fresh.length);
        System.arraycopy(fresh, 0, all, prompt.length, fresh.length);
        try (Tokenizer tok = HfTokenizer.load(export.resolve("tokenizer.json"))) {
            // the prompt decodes to itself, so prompt + completion is the whole sequence decoded
            assertEquals(ishmael.get("decoded_skip_special").asText(), tok.decode(prompt));
            assertEquals(tok.decode(all), "Call me Ishmael." + gen.get("completion").asText());
        }
    }
}
