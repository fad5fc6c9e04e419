package io.linforge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.core.checkpoint.ModelInit;
import io.linforge.core.config.ModelConfig;
import io.linforge.core.text.ByteLevelTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Healing and budget options are checked before anything is written. */
class CompressCommandTest {
    @TempDir
    Path dir;

    InfoCommandTest.Run compress(String... extra) throws Exception {
        String[] base = {"compress", "--model", dir.resolve("model").toString(), "--data", dir.resolve("d.jsonl").toString(),
                "--out", dir.resolve("out").toString()};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        return InfoCommandTest.run(args);
    }

    @Test
    void badHealingOptionsExitTwoNamingTheFlag() throws Exception {
        String[][] cases = {
            {"--heal", "prune"}, {"--heal", "distill", "--distill-alpha", "1.5"},
            {"--heal", "distill", "--distill-temperature", "0"}, {"--heal", "distill", "--distill-alpha", "x"},
            {"--heal", "lora", "--distill-alpha", "0.5"}, {"--distill-temperature", "2"}, {"--heal-steps", "5"},
            {"--heal", "distill", "--heal-steps", "0"},
        };
        String[] flags = {"--heal", "--distill-alpha", "--distill-temperature", "--distill-alpha", "--distill-alpha",
            "--distill-temperature", "--heal-steps", "--heal-steps"};
        for (int i = 0; i < cases.length; i++) {
            InfoCommandTest.Run r = compress(cases[i]);
            assertEquals(2, r.code(), String.join(" ", cases[i]) + ": " + r.err());
            assertTrue(r.err().contains(flags[i]), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
        }
        assertFalse(Files.exists(dir.resolve("out")));
    }

    /** A tiny LLaMA-style decoder with a byte-level tokenizer, in {@code dir/model}. */
    void tinyDecoder() throws Exception {
        ModelConfig config = ModelConfig.builder("llama").architectures("LlamaForCausalLM").set("vocab_size", 257)
                .set("hidden_size", 32).set("intermediate_size", 64).set("num_hidden_layers", 2)
                .set("num_attention_heads", 4).set("num_key_value_heads", 2).set("head_dim", 8)
                .set("max_position_embeddings", 128).set("rms_norm_eps", 1e-5).set("rope_theta", 10000.0)
                .set("tie_word_embeddings", false).set("hidden_act", "silu").build();
        Path tok = dir.resolve("tokenizer.json");
        ByteLevelTokenizer.write(tok);
        Checkpoint.save(dir.resolve("model"), config, ModelInit.llama(config, 1), tok);
        Files.writeString(dir.resolve("d.jsonl"), "Call me Ishmael. ".repeat(200));
    }

    @Test
    void theBudgetOptionMustFitTheKindOfModel() throws Exception {
        tinyDecoder();
        for (String[] a : new String[][] {{"--max-accuracy-drop", "0.01"}, {"--max-accuracy-drop", "0.01", "--heal", "lora"}}) {
            InfoCommandTest.Run r = compress(a);
            assertEquals(2, r.code(), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().contains("--max-accuracy-drop") && r.err().contains("--max-perplexity-ratio"), r.err());
        }
        InfoCommandTest.Run bad = compress("--max-perplexity-ratio", "0");
        assertEquals(2, bad.code(), bad.err());
        assertTrue(bad.err().contains("--max-perplexity-ratio"), bad.err());
        assertFalse(Files.exists(dir.resolve("out")));
        Path encoder = Path.of("../core/src/test/resources/fixtures/hf/bert");
        for (String flag : new String[] {"--max-perplexity-ratio", "--held-out"}) {
            InfoCommandTest.Run r = InfoCommandTest.run("compress", "--model", encoder.toString(), "--data",
                    dir.resolve("d.jsonl").toString(), "--out", dir.resolve("out").toString(), flag, "1.1");
            assertEquals(2, r.code(), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().contains(flag), r.err());
        }
        assertFalse(Files.exists(dir.resolve("out")));
    }
}
