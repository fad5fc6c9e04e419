package io.linforge.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.linforge.core.LinforgeException;
import io.linforge.core.checkpoint.ModelInit;
import io.linforge.core.config.ModelConfig;
import io.linforge.core.tensor.TensorData;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The config, not the checkpoint's keys, decides which projections of a decoder block have a bias. */
class DecoderBiasTest {
    static ModelConfig config(String type, String... flags) {
        ModelConfig.Builder b = ModelConfig.builder(type).set("vocab_size", 32).set("hidden_size", 16)
                .set("num_hidden_layers", 1).set("num_attention_heads", 2).set("num_key_value_heads", 1)
                .set("intermediate_size", 24).set("max_position_embeddings", 64);
        if (!type.equals("llama")) {
            b.set("sliding_window", 64);
        }
        for (String f : flags) {
            b.set(f, true);
        }
        return b.build();
    }

    static DecoderModel load(ModelConfig c, Map<String, TensorData> t, NDManager m) {
        return (DecoderModel) TransformerModel.load(c, t, Path.of("ckpt"), m, DataType.FLOAT32);
    }

    @Test
    void biasesFollowTheConfig() {
        try (NDManager m = NDManager.newBaseManager()) {
            ModelConfig all = config("llama", "attention_bias", "mlp_bias");
            LlamaLayer l = (LlamaLayer) load(all, ModelInit.llama(all, 1), m).layers().get(0);
            for (Linear x : l.linears()) {
                assertNotNull(x.bias(), x.name());
            }
            ModelConfig qwen = config("qwen2");
            Map<String, TensorData> t = ModelInit.llama(qwen, 1);
            assertTrue(t.containsKey("model.layers.0.self_attn.k_proj.bias"));
            LlamaLayer q = (LlamaLayer) load(qwen, t, m).layers().get(0);
            assertNotNull(q.q.bias());
            assertNotNull(q.v.bias());
            assertNull(q.o.bias());
            assertNull(q.gate.bias());
            LlamaLayer mistral = (LlamaLayer) load(config("mistral"), ModelInit.llama(config("mistral"), 1), m).layers().get(0);
            for (Linear x : mistral.linears()) {
                assertNull(x.bias(), x.name());
            }
        }
    }

    @Test
    void aMissingOrUnexpectedBiasIsRefusedByName() {
        try (NDManager m = NDManager.newBaseManager()) {
            ModelConfig withBias = config("llama", "attention_bias");
            Map<String, TensorData> t = new LinkedHashMap<>(ModelInit.llama(withBias, 1));
            t.remove("model.layers.0.self_attn.o_proj.bias");
            LinforgeException e = assertThrows(LinforgeException.class, () -> load(withBias, t, m));
            assertEquals(2, e.exitCode());
            assertTrue(e.getMessage().startsWith("ckpt: model.layers.0.self_attn.o_proj.bias: missing"), e.getMessage());
            ModelConfig none = config("llama");
            Map<String, TensorData> extra = new LinkedHashMap<>(ModelInit.llama(none, 1));
            extra.put("model.layers.0.mlp.up_proj.bias", TensorData.ofFloats(new long[] {24}, new float[24]));
            LinforgeException f = assertThrows(LinforgeException.class, () -> load(none, extra, m));
            assertEquals(2, f.exitCode());
            assertTrue(f.getMessage().startsWith("ckpt: model.layers.0.mlp.up_proj.bias: ")
                    && f.getMessage().contains("mlp_bias"), f.getMessage());
        }
    }
}
