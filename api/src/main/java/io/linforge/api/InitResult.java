package io.linforge.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.core.config.ModelConfig;
import java.nio.file.Path;

/**
 * What {@link Linforge#init} wrote.
 *
 * @param out the checkpoint folder
 * @param config its {@code config.json}
 * @param parameters parameters of the checkpoint
 * @param tokenizer the tokenizer option: {@code bytes} or the {@code tokenizer.json} copied in
 * @param dtype the weights' type: {@code fp32}, {@code bf16} or {@code fp16}
 * @param files safetensors files written
 */
public record InitResult(Path out, ModelConfig config, long parameters, String tokenizer, String dtype, int files) {
    /** The result as {@code linforge init --json} writes it. */
    public ObjectNode toJson() {
        ObjectNode j = Json.MAPPER.createObjectNode();
        j.put("model_type", config.modelType());
        j.put("layers", config.numHiddenLayers());
        j.put("hidden_size", config.hiddenSize());
        j.put("parameters", parameters);
        j.put("tokenizer", tokenizer);
        j.put("dtype", dtype);
        j.put("files", files);
        return j;
    }
}
