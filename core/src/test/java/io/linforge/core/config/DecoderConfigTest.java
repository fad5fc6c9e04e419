package io.linforge.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.linforge.core.LinforgeException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every decoder config field that changes the computation is implemented or refused (exit 2, file and field named). */
class DecoderConfigTest {
    static final String SIZES = "\"vocab_size\":256,\"hidden_size\":64,\"num_hidden_layers\":2,"
            + "\"num_attention_heads\":4,\"num_key_value_heads\":2,\"intermediate_size\":128";

    @TempDir
    Path dir;

    ModelConfig read(String modelType, String extra) throws Exception {
        Path c = dir.resolve("config.json");
        Files.writeString(c, "{\"model_type\":\"" + modelType + "\"," + SIZES + extra + "}");
        return ModelConfig.read(c);
    }

    /** Reading fails with exit 2 and one line that starts with the file and names the field. */
    void refused(String modelType, String extra, String field) {
        Path c = dir.resolve("config.json");
        LinforgeException e = assertThrows(LinforgeException.class, () -> read(modelType, extra), extra);
        assertEquals(LinforgeException.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().startsWith(c + ": " + field + ": "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "llama|,\"rope_scaling\":{\"rope_type\":\"yarn\",\"factor\":4.0,\"original_max_position_embeddings\":32}|rope_scaling.rope_type",
        "llama|,\"rope_parameters\":{\"rope_type\":\"dynamic\",\"factor\":2.0,\"rope_theta\":10000.0}|rope_parameters.rope_type",
        "llama|,\"rope_scaling\":{\"type\":\"longrope\",\"short_factor\":[1.0],\"long_factor\":[2.0]}|rope_scaling.type",
        "llama|,\"rope_scaling\":{\"type\":\"su\"}|rope_scaling.type",
        "llama|,\"rope_scaling\":{\"rope_type\":\"linear\"}|rope_scaling.factor",
        "llama|,\"rope_scaling\":{\"rope_type\":\"linear\",\"factor\":-2}|rope_scaling.factor",
        "llama|,\"rope_scaling\":{\"rope_type\":\"llama3\",\"factor\":8.0,\"low_freq_factor\":1.0,\"high_freq_factor\":4.0}|rope_scaling.original_max_position_embeddings",
        "llama|,\"rope_scaling\":{\"rope_type\":\"llama3\",\"factor\":8.0,\"low_freq_factor\":4.0,\"high_freq_factor\":4.0,\"original_max_position_embeddings\":64}|rope_scaling.high_freq_factor",
        "llama|,\"rope_scaling\":{\"rope_type\":\"linear\",\"factor\":2.0,\"attention_factor\":0.5}|rope_scaling.attention_factor",
        "llama|,\"rope_scaling\":{\"rope_type\":\"linear\",\"type\":\"dynamic\",\"factor\":2.0}|rope_scaling.type",
        "llama|,\"rope_scaling\":\"linear\"|rope_scaling",
        "llama|,\"rope_scaling\":{\"rope_type\":\"linear\",\"factor\":2.0},\"rope_parameters\":{\"rope_type\":\"linear\",\"factor\":4.0}|rope_scaling.factor",
        "llama|,\"rope_theta\":10000.0,\"rope_parameters\":{\"rope_type\":\"default\",\"rope_theta\":500000.0}|rope_theta",
        "llama|,\"partial_rotary_factor\":0.5|partial_rotary_factor",
        "llama|,\"rope_parameters\":{\"rope_type\":\"default\",\"partial_rotary_factor\":0.25}|rope_parameters.partial_rotary_factor",
        "llama|,\"quantization_config\":{\"quant_method\":\"gptq\"}|quantization_config",
        "llama|,\"auto_map\":{\"AutoModelForCausalLM\":\"modeling.Custom\"}|auto_map",
        "llama|,\"sliding_window\":4096|sliding_window",
        "llama|,\"attention_bias\":\"yes\"|attention_bias",
        "llama|,\"pretraining_tp\":0|pretraining_tp",
        "llama|,\"head_dim\":15|head_dim",
        "llama|,\"architectures\":[\"GPTNeoXForCausalLM\"]|architectures",
        "llama|,\"architectures\":[\"LlamaModel\"]|architectures",
        "llama|,\"architectures\":[\"MistralForCausalLM\"]|architectures",
        "mistral|,\"max_position_embeddings\":32768,\"sliding_window\":4096|sliding_window",
        "mistral|,\"max_position_embeddings\":8192|sliding_window",
        "mistral|,\"sliding_window\":null,\"attention_bias\":true|attention_bias",
        "mistral|,\"sliding_window\":null,\"mlp_bias\":true|mlp_bias",
        "mistral|,\"sliding_window\":null,\"pretraining_tp\":1|pretraining_tp",
        "qwen2|,\"max_position_embeddings\":32768,\"use_sliding_window\":true,\"sliding_window\":4096,\"max_window_layers\":1|sliding_window",
        "qwen2|,\"use_sliding_window\":true,\"sliding_window\":64,\"layer_types\":[\"full_attention\",\"sliding_attention\"]|sliding_window",
        "qwen2|,\"layer_types\":[\"full_attention\",\"chunked_attention\"]|layer_types",
        "qwen2|,\"use_mrope\":true|use_mrope",
        "qwen2|,\"attention_bias\":false|attention_bias",
        "bert|,\"position_embedding_type\":\"relative_key_query\"|position_embedding_type",
        "bert|,\"architectures\":[\"BertForTokenClassification\"]|architectures",
        "roberta|,\"architectures\":[\"RobertaForQuestionAnswering\"]|architectures",
    })
    void refusesWhatItDoesNotImplement(String modelType, String extra, String field) {
        refused(modelType, extra, field);
    }

    @Test
    void mistralDefaultWindowIsRefusedAtItsDefaultLength() throws Exception {
        // MistralConfig's defaults: sliding_window 4096, max_position_embeddings 131072
        refused("mistral", "", "sliding_window");
        assertEquals(4096, read("mistral", ",\"max_position_embeddings\":4096").slidingWindow());
        // a window that covers every position is full attention: accepted, and the length is then guarded
        assertEquals(256, read("mistral", ",\"max_position_embeddings\":256,\"sliding_window\":256").slidingWindow());
        assertEquals(0, read("mistral", ",\"sliding_window\":null").slidingWindow());
    }

    @Test
    void acceptsWhatItImplements() throws Exception {
        ModelConfig l = read("llama", ",\"architectures\":[\"LlamaForCausalLM\"],\"attention_bias\":true,\"mlp_bias\":true,"
                + "\"pretraining_tp\":4,\"head_dim\":32,\"hidden_act\":\"silu\",\"attention_dropout\":0.0,"
                + "\"torch_dtype\":\"bfloat16\",\"eos_token_id\":[1,2],\"rope_scaling\":null,\"partial_rotary_factor\":1.0");
        assertEquals(new ModelConfig.DecoderBiases(true, true, true), l.decoderBiases());
        assertEquals(32, l.headDim());
        assertEquals(2, l.numKeyValueHeads());
        assertEquals(new ModelConfig.DecoderBiases(false, false, false), read("llama", "").decoderBiases());
        ModelConfig q = read("qwen2", ",\"architectures\":[\"Qwen2ForCausalLM\"],\"use_sliding_window\":false,"
                + "\"sliding_window\":4096,\"max_window_layers\":21,\"use_mrope\":false,\"rope_scaling\":null");
        assertEquals(new ModelConfig.DecoderBiases(true, false, false), q.decoderBiases());
        assertEquals(0, q.slidingWindow());
        assertTrue(q.isDecoder());
        // Qwen2 windows only from max_window_layers on: none of the two layers has one
        assertEquals(0, read("qwen2", ",\"use_sliding_window\":true,\"sliding_window\":64,\"max_window_layers\":2")
                .slidingWindow());
        ModelConfig m = read("mistral", ",\"architectures\":[\"MistralForCausalLM\"],\"sliding_window\":null,"
                + "\"head_dim\":24,\"attention_bias\":false");
        assertEquals(new ModelConfig.DecoderBiases(false, false, false), m.decoderBiases());
        assertEquals(24, m.headDim());
    }

    @Test
    void typeDefaultsFollowTransformers() throws Exception {
        Path c = dir.resolve("config.json");
        String noKv = "\"vocab_size\":256,\"hidden_size\":512,\"num_hidden_layers\":2,\"num_attention_heads\":32,"
                + "\"intermediate_size\":128";
        Files.writeString(c, "{\"model_type\":\"llama\"," + noKv + "}");
        assertEquals(32, ModelConfig.read(c).numKeyValueHeads());
        assertEquals(2048, ModelConfig.read(c).maxPositionEmbeddings());
        Files.writeString(c, "{\"model_type\":\"mistral\",\"sliding_window\":null," + noKv + "}");
        assertEquals(8, ModelConfig.read(c).numKeyValueHeads());
        assertEquals(131072, ModelConfig.read(c).maxPositionEmbeddings());
        Files.writeString(c, "{\"model_type\":\"qwen2\"," + noKv + "}");
        assertEquals(32, ModelConfig.read(c).numKeyValueHeads());
        assertEquals(32768, ModelConfig.read(c).maxPositionEmbeddings());
    }
}
