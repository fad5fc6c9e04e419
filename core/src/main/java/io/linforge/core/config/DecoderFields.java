package io.linforge.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.core.LinforgeException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * The fields a decoder {@code config.json} ({@code llama}, {@code mistral}, {@code qwen2}) may
 * hold. Each field that the transformers class reads is implemented or refused; a field that is not
 * listed here is refused as well, since it might change the computation (e.g.
 * {@code quantization_config}, or a field of another architecture).
 */
final class DecoderFields {
    /** Fields every Hugging Face config may carry that no forward pass reads (names, outputs, generation defaults). */
    static final Set<String> NEUTRAL = Set.of("_name_or_path", "_commit_hash", "_attn_implementation",
            "_attn_implementation_autoset", "attn_implementation", "transformers_version", "model_type", "architectures",
            "torch_dtype", "dtype", "use_bfloat16", "return_dict", "output_hidden_states", "output_attentions",
            "torchscript", "use_cache", "initializer_range", "id2label", "label2id", "num_labels", "problem_type",
            "finetuning_task", "tokenizer_class", "prefix", "bos_token_id", "eos_token_id", "pad_token_id", "sep_token_id",
            "decoder_start_token_id", "task_specific_params", "tf_legacy_loss", "chunk_size_feed_forward",
            "is_decoder", "is_encoder_decoder", "add_cross_attention", "cross_attention_hidden_size",
            "tie_encoder_decoder", "max_length", "min_length", "do_sample", "early_stopping", "num_beams",
            "num_beam_groups", "diversity_penalty", "temperature", "top_k", "top_p", "typical_p", "repetition_penalty",
            "length_penalty", "no_repeat_ngram_size", "encoder_no_repeat_ngram_size", "bad_words_ids",
            "num_return_sequences", "output_scores", "return_dict_in_generate", "forced_bos_token_id",
            "forced_eos_token_id", "remove_invalid_values", "exponential_decay_length_penalty", "suppress_tokens",
            "begin_suppress_tokens", "linforge_linear_layers");
    /** Fields of every supported decoder class, each implemented (the rotary ones checked by {@link Rope}). */
    static final Set<String> DECODER = Set.of("vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
            "num_attention_heads", "num_key_value_heads", "head_dim", "hidden_act", "max_position_embeddings",
            "rms_norm_eps", "rope_theta", "rope_scaling", "rope_parameters", "partial_rotary_factor",
            "tie_word_embeddings", "attention_dropout");
    /** Fields of one class: implemented, or accepted only with the value that changes nothing. */
    static final Map<String, Set<String>> OWN = Map.of(
            "llama", Set.of("attention_bias", "mlp_bias", "pretraining_tp"),
            "mistral", Set.of("sliding_window", "attention_bias", "mlp_bias"),
            "qwen2", Set.of("use_sliding_window", "sliding_window", "max_window_layers", "layer_types", "use_mrope"));
    /** The class that a model type is run as. */
    static final Map<String, String> ARCHITECTURE = Map.of("llama", "LlamaForCausalLM", "mistral",
            "MistralForCausalLM", "qwen2", "Qwen2ForCausalLM");
    /** transformers' default window of Mistral and Qwen2 when {@code sliding_window} is absent. */
    static final int DEFAULT_WINDOW = 4096;

    private DecoderFields() {
    }

    static void check(ObjectNode n, Path source, String type, int maxPositions, int layers, int headDim) {
        String arch = ARCHITECTURE.get(type);
        for (Iterator<String> it = n.fieldNames(); it.hasNext();) {
            String k = it.next();
            if (!NEUTRAL.contains(k) && !DECODER.contains(k) && !OWN.get(type).contains(k)) {
                throw LinforgeException.badInput(source, k, "not a field linforge implements for " + arch
                        + "; refused rather than ignored");
            }
        }
        for (String k : new String[] {"attention_bias", "mlp_bias", "use_sliding_window", "use_mrope"}) {
            JsonNode v = n.get(k);
            if (v != null && !v.isNull() && !v.isBoolean()) {
                throw LinforgeException.badInput(source, k, "expected true or false, got " + v);
            }
        }
        if (!type.equals("llama")) {
            for (String k : new String[] {"attention_bias", "mlp_bias", "use_mrope"}) {
                if (n.path(k).asBoolean(false)) {
                    throw LinforgeException.badInput(source, k, "true is not supported for " + arch
                            + " (which does not read it)");
                }
            }
        }
        JsonNode tp = n.get("pretraining_tp");
        if (tp != null && !tp.isNull() && !(tp.isIntegralNumber() && tp.asLong() >= 1)) {
            throw LinforgeException.badInput(source, "pretraining_tp", "expected a positive integer, got " + tp);
        }
        JsonNode drop = n.get("attention_dropout");
        if (drop != null && !drop.isNull() && !(drop.isNumber() && drop.asDouble() >= 0 && drop.asDouble() < 1)) {
            throw LinforgeException.badInput(source, "attention_dropout", "expected a number in [0, 1), got " + drop);
        }
        if (headDim % 2 != 0) {
            throw LinforgeException.badInput(source, "head_dim", headDim + " is odd; rotary embeddings need an even "
                    + "head dimension");
        }
        if (type.equals("qwen2")) {
            slidingLayers(n, source, layers);
        }
        int window = window(n, source, type, layers);
        if (window > 0 && window < maxPositions) {
            throw LinforgeException.badInput(source, "sliding_window", window + " is below max_position_embeddings "
                    + maxPositions + "; sliding-window attention is not implemented (a window of null or at least "
                    + "max_position_embeddings is full attention)");
        }
    }

    /**
     * The attention window the transformers class applies, or 0 when none: Mistral's
     * {@code sliding_window} (4096 when absent); Qwen2's when {@code use_sliding_window} is true
     * and some layer is a sliding one ({@code layer_types}, else the layers from
     * {@code max_window_layers} on).
     */
    static int window(ObjectNode n, Path source, String type, int layers) {
        if (type.equals("llama") || type.equals("qwen2") && !n.path("use_sliding_window").asBoolean(false)) {
            return 0;
        }
        JsonNode w = n.get("sliding_window");
        if (w != null && w.isNull()) {
            return 0;
        }
        if (w != null && !(w.isIntegralNumber() && w.asLong() > 0 && w.asLong() <= Integer.MAX_VALUE)) {
            throw LinforgeException.badInput(source, "sliding_window", "expected a positive integer or null, got " + w);
        }
        int size = w == null ? DEFAULT_WINDOW : w.asInt();
        return type.equals("qwen2") && slidingLayers(n, source, layers).isEmpty() ? 0 : size;
    }

    /** Qwen2's layers with a window (when {@code use_sliding_window} is true). */
    private static Set<Integer> slidingLayers(ObjectNode n, Path source, int layers) {
        Set<Integer> out = new HashSet<>();
        JsonNode types = n.get("layer_types");
        if (types != null && !types.isNull()) {
            if (!types.isArray() || types.size() != layers) {
                throw LinforgeException.badInput(source, "layer_types", "expected a list of " + layers
                        + " entries (full_attention or sliding_attention)");
            }
            for (int i = 0; i < layers; i++) {
                String t = types.get(i).asText();
                if (t.equals("sliding_attention")) {
                    out.add(i);
                } else if (!t.equals("full_attention")) {
                    throw LinforgeException.badInput(source, "layer_types", "entry " + i + " '" + types.get(i).asText()
                            + "' is not full_attention or sliding_attention");
                }
            }
            return out;
        }
        JsonNode from = n.get("max_window_layers");
        if (from != null && !from.isNull() && !(from.isIntegralNumber() && from.asLong() >= 0)) {
            throw LinforgeException.badInput(source, "max_window_layers", "expected a non-negative integer, got " + from);
        }
        for (int i = from == null || from.isNull() ? 28 : from.asInt(); i < layers; i++) {
            out.add(i);
        }
        return out;
    }
}
