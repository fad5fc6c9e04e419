package io.linforge.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.core.config.ModelConfig;
import java.nio.file.Path;

/**
 * What {@link Linforge#importModel} wrote.
 *
 * @param source the ONNX file or jar read
 * @param onnx the name of the ONNX entry imported
 * @param out the checkpoint folder
 * @param parameters parameters of the checkpoint
 * @param tensors tensors in the checkpoint
 * @param tokenizer whether a {@code tokenizer.json} was found and written
 * @param config the checkpoint's {@code config.json}
 */
public record ImportResult(Path source, String onnx, Path out, long parameters, int tensors, boolean tokenizer,
        ModelConfig config) {
    /** The result as {@code linforge import --json} writes it. */
    public ObjectNode toJson() {
        ObjectNode j = Json.MAPPER.createObjectNode();
        j.put("source", source.toAbsolutePath().toString());
        j.put("onnx", onnx);
        j.put("out", out.toAbsolutePath().toString());
        j.put("parameters", parameters);
        j.put("tensors", tensors);
        j.put("tokenizer", tokenizer);
        j.set("config", config.toJson());
        return j;
    }
}
