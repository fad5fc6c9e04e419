package io.linforge.trainer;

import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.core.checkpoint.ModelInit;
import io.linforge.core.config.ModelConfig;
import io.linforge.core.text.ByteLevelTokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** A two-layer LLaMA with grouped-query attention and a byte-level tokenizer, initialised from scratch. */
final class TinyLlama {
    private TinyLlama() {
    }

    static ModelConfig config() {
        return ModelConfig.builder("llama").architectures("LlamaForCausalLM").set("vocab_size", 257)
                .set("hidden_size", 32).set("intermediate_size", 64).set("num_hidden_layers", 2)
                .set("num_attention_heads", 4).set("num_key_value_heads", 2).set("head_dim", 8)
                .set("max_position_embeddings", 128).set("rms_norm_eps", 1e-5).set("rope_theta", 10000.0)
                .set("tie_word_embeddings", false).set("hidden_act", "silu").build();
    }

    static Path create(Path dir, long seed) throws IOException {
        Path tok = Files.createTempFile("tokenizer", ".json");
        ByteLevelTokenizer.write(tok);
        Path out = dir.resolve("tiny-llama");
        Checkpoint.save(out, config(), ModelInit.llama(config(), seed), tok);
        Files.delete(tok);
        return out;
    }

    /** The first {@code chars} characters of Moby-Dick (recipes/data), as a file in {@code dir}. */
    static Path text(Path dir, int chars) throws IOException {
        Path src = Path.of(System.getProperty("linforge.root", "..")).resolve("recipes/data/moby_dick.txt");
        String s = Files.readString(src, StandardCharsets.UTF_8);
        Path out = dir.resolve("moby.txt");
        Files.writeString(out, s.substring(0, Math.min(chars, s.length())), StandardCharsets.UTF_8);
        return out;
    }

    static TrainConfig config(String method, int steps, int batch, int accumulate, double lr, long seed) {
        return config(method, steps, batch, accumulate, lr, seed, 4);
    }

    static TrainConfig config(String method, int steps, int batch, int accumulate, double lr, long seed, int rank) {
        return new TrainConfig(method, steps, batch, lr, 32, rank, 8, 0.0, false,
                java.util.List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"), seed, 0,
                Math.max(1, steps / 10), 0.0, 1.0, 0, 16, 0, false, accumulate, null,
                new TrainConfig.ReLoraOptions(Math.max(2, steps / 4), 1, "magnitude", 0.9, 0, 0.1),
                new TrainConfig.SparseGradOptions(3, 40, "paper"), 0);
    }
}
