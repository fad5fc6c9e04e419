package io.linforge.model.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.linforge.core.LinforgeException;
import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.core.checkpoint.ModelInit;
import io.linforge.core.config.ModelConfig;
import io.linforge.core.testing.BadInputTest;
import io.linforge.core.testing.BadInputs;
import io.linforge.core.text.ByteLevelTokenizer;
import io.linforge.core.text.Tokenizer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfTokenizerTest {
    @TempDir
    Path dir;

    /** A tiny LLaMA with {@code vocab} embedding rows and the byte-level tokenizer (257 ids). */
    Path checkpoint(int vocab) throws Exception {
        ModelConfig c = ModelConfig.builder("llama").architectures("LlamaForCausalLM").set("vocab_size", vocab)
                .set("hidden_size", 16).set("intermediate_size", 32).set("num_hidden_layers", 1)
                .set("num_attention_heads", 2).set("num_key_value_heads", 2).set("head_dim", 8)
                .set("max_position_embeddings", 32).set("rms_norm_eps", 1e-5).set("rope_theta", 10000.0)
                .set("tie_word_embeddings", false).set("hidden_act", "silu").build();
        Path tok = dir.resolve("byte-tokenizer.json");
        ByteLevelTokenizer.write(tok);
        Path out = dir.resolve("ckpt-" + vocab);
        Checkpoint.save(out, c, ModelInit.llama(c, 1), tok);
        return out;
    }

    @BadInputTest
    void vocabularyLargerThanTheEmbeddingTableIsBadInput() throws Exception {
        Path ckpt = checkpoint(200);
        try (Checkpoint c = Checkpoint.open(ckpt)) {
            LinforgeException e = assertThrows(LinforgeException.class, () -> HfTokenizer.forCheckpoint(c));
            assertEquals(LinforgeException.BAD_INPUT, e.exitCode());
            String m = e.getMessage();
            assertTrue(m.startsWith(ckpt.resolve("tokenizer.json") + ": vocabulary: token ids up to 256"), m);
            assertTrue(m.contains(ckpt.resolve("config.json") + "'s vocab_size is 200"), m);
            assertFalse(m.contains("\n"), m);
            BadInputs.input("a `tokenizer.json` with more token ids than the checkpoint's embedding table (train, analyze,"
                    + " compress)").path(ckpt, "ckpt").record(e.exitCode(), m);
        }
        LinforgeException e = assertThrows(LinforgeException.class, () -> HfTokenizer.forCheckpoint(ckpt));
        assertEquals(LinforgeException.BAD_INPUT, e.exitCode());
    }

    @Test
    void vocabularyWithinTheEmbeddingTableLoads() throws Exception {
        Path ckpt = checkpoint(300);
        try (Checkpoint c = Checkpoint.open(ckpt); Tokenizer t = HfTokenizer.forCheckpoint(c)) {
            assertEquals(ByteLevelTokenizer.VOCAB, t.vocabSize());
            assertEquals(ByteLevelTokenizer.VOCAB, HfTokenizer.vocabSize(ckpt.resolve("tokenizer.json")));
        }
    }
}
