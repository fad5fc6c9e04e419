package io.linforge.core.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.core.LinforgeException;
import io.linforge.core.io.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A Hugging Face {@code config.json} for the architectures linforge runs: the encoders
 * {@code bert} and {@code roberta}, and the decoders {@code llama}, {@code mistral} and
 * {@code qwen2}. A decoder field that changes the computation is implemented or refused (see
 * {@link DecoderFields} and {@link Rope}). The JSON is kept as read, so other keys survive a
 * write; the typed accessors apply the transformers defaults of the model type.
 */
public final class ModelConfig {
    public static final Set<String> MODEL_TYPES = Set.of("bert", "roberta", "llama", "mistral", "qwen2");
    /** Most classes a config may declare with {@code num_labels} (the labels are listed in memory). */
    public static final int MAX_LABELS = 1_000_000;
    public static final Set<String> DECODER_TYPES = Set.of("llama", "mistral", "qwen2");
    /** The classes each model type may name in {@code architectures} (an encoder's body serves every one). */
    public static final Map<String, Set<String>> ARCHITECTURES = Map.of(
            "bert", Set.of("BertModel", "BertForSequenceClassification", "BertForMaskedLM", "BertForPreTraining"),
            "roberta", Set.of("RobertaModel", "RobertaForSequenceClassification", "RobertaForMaskedLM"),
            "llama", Set.of("LlamaForCausalLM"),
            "mistral", Set.of("MistralForCausalLM"),
            "qwen2", Set.of("Qwen2ForCausalLM"));
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private final ObjectNode json;
    /** The rotary embedding of a decoder (null for encoders). */
    private Rope rope;

    private ModelConfig(ObjectNode json) {
        this.json = json;
    }

    public static ModelConfig read(Path configJson) {
        if (!Files.isRegularFile(configJson)) {
            throw LinforgeException.badInput(configJson, "file", "missing");
        }
        JsonNode n;
        try {
            n = JSON.readTree(configJson.toFile());
        } catch (JsonProcessingException e) {
            throw LinforgeException.badInput(configJson, "json", "malformed: "
                    + e.getOriginalMessage().replaceAll("\\s+", " ") + " (line " + e.getLocation().getLineNr() + ")");
        } catch (IOException e) {
            throw LinforgeException.badInput(configJson, "file", "cannot read: " + e.getMessage());
        }
        if (n == null || !n.isObject()) {
            throw LinforgeException.badInput(configJson, "json", "expected an object");
        }
        return fromJson((ObjectNode) n, configJson);
    }

    /** Validates {@code n} (errors name {@code source}) and wraps a copy of it. */
    public static ModelConfig fromJson(ObjectNode n, Path source) {
        JsonNode mt = n.get("model_type");
        if (mt == null || !mt.isTextual()) {
            throw LinforgeException.badInput(source, "model_type", "missing (one of " + new java.util.TreeSet<>(MODEL_TYPES) + ")");
        }
        if (!MODEL_TYPES.contains(mt.asText())) {
            throw LinforgeException.badInput(source, "model_type", "unsupported '" + mt.asText() + "' (one of "
                    + new java.util.TreeSet<>(MODEL_TYPES) + ")");
        }
        ModelConfig c = new ModelConfig(n.deepCopy());
        for (String k : List.of("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
                "intermediate_size")) {
            c.requirePositiveInt(source, k);
        }
        for (String k : List.of("num_key_value_heads", "max_position_embeddings", "type_vocab_size", "head_dim")) {
            if (n.hasNonNull(k)) {
                c.requirePositiveInt(source, k);
            }
        }
        for (String k : List.of("layer_norm_eps", "rms_norm_eps", "rope_theta")) {
            if (n.hasNonNull(k) && !n.get(k).isNumber()) {
                throw LinforgeException.badInput(source, k, "expected a number");
            }
        }
        if (n.hasNonNull("tie_word_embeddings") && !n.get("tie_word_embeddings").isBoolean()) {
            throw LinforgeException.badInput(source, "tie_word_embeddings", "expected true or false");
        }
        if (c.hiddenSize() % c.numAttentionHeads() != 0 && !n.hasNonNull("head_dim")) {
            throw LinforgeException.badInput(source, "num_attention_heads",
                    "hidden_size " + c.hiddenSize() + " is not divisible by " + c.numAttentionHeads());
        }
        if (c.numAttentionHeads() % c.numKeyValueHeads() != 0) {
            throw LinforgeException.badInput(source, "num_key_value_heads",
                    c.numKeyValueHeads() + " does not divide num_attention_heads " + c.numAttentionHeads());
        }
        if (n.has("id2label") && !n.get("id2label").isObject()) {
            throw LinforgeException.badInput(source, "id2label", "expected an object");
        }
        if (n.has("id2label")) {
            Set<Integer> ids = new java.util.HashSet<>();
            for (Iterator<String> it = n.get("id2label").fieldNames(); it.hasNext();) {
                String k = it.next();
                int id = labelId(k);
                if (id < 0) {
                    throw LinforgeException.badInput(source, "id2label", "key '" + k + "' is not a class index (0, 1, ...)");
                }
                if (!ids.add(id)) {
                    throw LinforgeException.badInput(source, "id2label", "class index " + id + " appears twice");
                }
            }
        } else if (n.hasNonNull("num_labels")) {
            c.requirePositiveInt(source, "num_labels");
            if (c.intOr("num_labels", 2) > MAX_LABELS) {
                throw LinforgeException.badInput(source, "num_labels", n.get("num_labels") + " is more than " + MAX_LABELS);
            }
        }
        JsonNode arch = n.get("architectures");
        if (arch != null && !arch.isNull()) {
            Set<String> allowed = ARCHITECTURES.get(c.modelType());
            if (!arch.isArray()) {
                throw LinforgeException.badInput(source, "architectures", "expected a list");
            }
            for (JsonNode a : arch) {
                if (!allowed.contains(a.asText())) {
                    throw LinforgeException.badInput(source, "architectures", "'" + a.asText() + "' is not supported for "
                            + "model_type " + c.modelType() + " (supported: " + String.join(", ", new java.util.TreeSet<>(allowed))
                            + ")");
                }
            }
        }
        if (c.isDecoder()) {
            DecoderFields.check(n, source, c.modelType(), c.maxPositionEmbeddings(), c.numHiddenLayers(), c.headDim());
            c.rope = Rope.read(n, source);
        } else {
            JsonNode pe = n.get("position_embedding_type");
            if (pe != null && !pe.isNull() && !pe.asText().equals("absolute")) {
                throw LinforgeException.badInput(source, "position_embedding_type", "'" + pe.asText()
                        + "' is not supported (only absolute)");
            }
        }
        return c;
    }

    private void requirePositiveInt(Path source, String key) {
        JsonNode v = json.get(key);
        if (v == null || v.isNull()) {
            throw LinforgeException.badInput(source, key, "missing");
        }
        if (!v.isIntegralNumber() || v.asLong() <= 0 || v.asLong() > Integer.MAX_VALUE) {
            throw LinforgeException.badInput(source, key, "expected a positive integer, got " + v);
        }
    }

    public ObjectNode toJson() {
        return json.deepCopy();
    }

    public void write(Path configJson) {
        try {
            AtomicFiles.writeString(configJson, JSON.writeValueAsString(json) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private int intOr(String key, int dflt) {
        JsonNode v = json.get(key);
        return v == null || v.isNull() ? dflt : v.asInt();
    }

    private double doubleOr(String key, double dflt) {
        JsonNode v = json.get(key);
        return v == null || v.isNull() ? dflt : v.asDouble();
    }

    /** A numeric field with a default (e.g. {@code hidden_dropout_prob}). */
    public double number(String key, double dflt) {
        return doubleOr(key, dflt);
    }

    public String modelType() {
        return json.get("model_type").asText();
    }

    public boolean isDecoder() {
        return DECODER_TYPES.contains(modelType());
    }

    public List<String> architectures() {
        List<String> out = new ArrayList<>();
        JsonNode a = json.get("architectures");
        if (a != null && a.isArray()) {
            a.forEach(x -> out.add(x.asText()));
        }
        return out;
    }

    public int vocabSize() {
        return json.get("vocab_size").asInt();
    }

    public int hiddenSize() {
        return json.get("hidden_size").asInt();
    }

    public int numHiddenLayers() {
        return json.get("num_hidden_layers").asInt();
    }

    public int numAttentionHeads() {
        return json.get("num_attention_heads").asInt();
    }

    public int numKeyValueHeads() {
        return intOr("num_key_value_heads", switch (modelType()) {
            case "mistral" -> 8;
            case "qwen2" -> 32;
            default -> numAttentionHeads();
        });
    }

    public int intermediateSize() {
        return json.get("intermediate_size").asInt();
    }

    public int maxPositionEmbeddings() {
        return intOr("max_position_embeddings", switch (modelType()) {
            case "llama" -> 2048;
            case "mistral" -> 4096 * 32;
            case "qwen2" -> 32768;
            default -> 512;
        });
    }

    /**
     * Exit 2 when a sequence of {@code cached} + {@code length} positions does not fit the model's
     * position table ({@code max_position_embeddings}, or the model type's default), naming
     * {@code option} and the field of {@code configFile}.
     */
    public void checkSequence(String option, int cached, int length, Object configFile) {
        checkSequence(json, maxPositionEmbeddings(), option, cached, length, configFile);
    }

    /**
     * {@link #checkSequence(String, int, int, Object)} on a {@code config.json} read as plain JSON
     * (an export's): nothing is checked when it has no {@code max_position_embeddings}.
     */
    public static void checkSequence(JsonNode config, String option, int cached, int length, Object configFile) {
        checkSequence(config, config.path("max_position_embeddings").asInt(0), option, cached, length, configFile);
    }

    private static void checkSequence(JsonNode config, int positions, String option, int cached, int length,
            Object configFile) {
        if (positions > 0 && config.path("model_type").asText().equals("roberta")) {
            positions -= config.path("pad_token_id").asInt(1) + 1; // RoBERTa's positions start after padding_idx
        }
        if (positions > 0 && cached + length > positions) {
            throw LinforgeException.badInput(option + ": " + (cached > 0 ? cached + " cached + " : "") + length
                    + " positions exceed the model's position table (" + positions + " positions: " + configFile
                    + " max_position_embeddings)");
        }
    }

    public int typeVocabSize() {
        return intOr("type_vocab_size", 2);
    }

    public int headDim() {
        return intOr("head_dim", hiddenSize() / numAttentionHeads());
    }

    public String hiddenAct() {
        JsonNode v = json.get("hidden_act");
        return v == null || v.isNull() ? (isDecoder() ? "silu" : "gelu") : v.asText();
    }

    public double layerNormEps() {
        return doubleOr("layer_norm_eps", 1e-12);
    }

    public double rmsNormEps() {
        return doubleOr("rms_norm_eps", 1e-6);
    }

    /** The rotary embedding of a decoder ({@code rope_parameters} or {@code rope_scaling}, {@code rope_theta}). */
    public Rope rope() {
        if (rope == null) {
            throw new IllegalStateException(modelType() + " has no rotary embedding");
        }
        return rope;
    }

    /** Which linear layers of a decoder block carry a bias. */
    public record DecoderBiases(boolean qkv, boolean output, boolean mlp) {
    }

    /**
     * LLaMA: q/k/v and o with {@code attention_bias}, gate/up/down with {@code mlp_bias}; Qwen2:
     * q/k/v always; Mistral: none.
     */
    public DecoderBiases decoderBiases() {
        return switch (modelType()) {
            case "llama" -> {
                boolean attention = json.path("attention_bias").asBoolean(false);
                yield new DecoderBiases(attention, attention, json.path("mlp_bias").asBoolean(false));
            }
            case "qwen2" -> new DecoderBiases(true, false, false);
            default -> new DecoderBiases(false, false, false);
        };
    }

    /**
     * The attention window that transformers applies to this decoder, or 0 for none; a config is
     * only accepted with a window of at least {@code max_position_embeddings}.
     */
    public int slidingWindow() {
        return isDecoder() ? DecoderFields.window(json, Path.of("config.json"), modelType(), numHiddenLayers()) : 0;
    }

    public boolean tieWordEmbeddings() {
        JsonNode v = json.get("tie_word_embeddings");
        return v == null || v.isNull() ? !isDecoder() : v.asBoolean();
    }

    public int padTokenId() {
        return intOr("pad_token_id", modelType().equals("roberta") ? 1 : 0);
    }

    /** Class labels by index, from {@code id2label} (or {@code LABEL_i} for {@code num_labels}). */
    public Map<Integer, String> id2label() {
        Map<Integer, String> m = new TreeMap<>();
        JsonNode v = json.get("id2label");
        if (v != null && v.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                m.put(labelId(e.getKey()), e.getValue().asText());
            }
        } else {
            int n = intOr("num_labels", 2);
            for (int i = 0; i < n; i++) {
                m.put(i, "LABEL_" + i);
            }
        }
        return m;
    }

    /**
     * The class index an {@code id2label} key names (decimal digits, blanks around them allowed as
     * transformers' {@code int(key)} does), or -1.
     */
    private static int labelId(String key) {
        String k = key.strip();
        if (k.isEmpty() || k.length() > 9 || !k.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
            return -1;
        }
        return Integer.parseInt(k);
    }

    public int numLabels() {
        return id2label().size();
    }

    /** Layers replaced by fitted linear maps ({@code linforge_linear_layers}). */
    public java.util.Set<Integer> linearLayers() {
        java.util.Set<Integer> out = new java.util.TreeSet<>();
        JsonNode v = json.get("linforge_linear_layers");
        if (v != null && v.isArray()) {
            v.forEach(x -> out.add(x.asInt()));
        }
        return out;
    }

    public Builder toBuilder() {
        return new Builder(json.deepCopy());
    }

    public static Builder builder(String modelType) {
        ObjectNode n = JSON.createObjectNode();
        n.put("model_type", modelType);
        return new Builder(n);
    }

    @Override
    public String toString() {
        return json.toString();
    }

    /** Builds or edits a config; {@link #build()} validates it. */
    public static final class Builder {
        private final ObjectNode n;

        private Builder(ObjectNode n) {
            this.n = n;
        }

        public Builder set(String key, int v) {
            n.put(key, v);
            return this;
        }

        public Builder set(String key, double v) {
            n.put(key, v);
            return this;
        }

        public Builder set(String key, boolean v) {
            n.put(key, v);
            return this;
        }

        public Builder set(String key, String v) {
            n.put(key, v);
            return this;
        }

        /** Sets a field to a JSON value given as text (e.g. an object such as {@code rope_scaling}). */
        public Builder json(String key, String value) {
            try {
                n.set(key, JSON.readTree(value));
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException(key + ": " + e.getOriginalMessage(), e);
            }
            return this;
        }

        public Builder architectures(String... names) {
            ArrayNode a = n.putArray("architectures");
            for (String s : names) {
                a.add(s);
            }
            return this;
        }

        public Builder labels(List<String> labels) {
            ObjectNode id2 = n.putObject("id2label");
            ObjectNode l2i = n.putObject("label2id");
            for (int i = 0; i < labels.size(); i++) {
                id2.put(Integer.toString(i), labels.get(i));
                l2i.put(labels.get(i), i);
            }
            n.remove("num_labels");
            return this;
        }

        public Builder linearLayers(java.util.Collection<Integer> layers) {
            ArrayNode a = n.putArray("linforge_linear_layers");
            layers.stream().sorted().forEach(a::add);
            return this;
        }

        public Builder remove(String key) {
            n.remove(key);
            return this;
        }

        public ModelConfig build() {
            return fromJson(n, Path.of("config.json"));
        }
    }
}
