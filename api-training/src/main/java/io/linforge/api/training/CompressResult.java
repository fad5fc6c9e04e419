package io.linforge.api.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@link Training#compress} replaced and measured. The metric is accuracy for classifiers and
 * perplexity for decoders.
 *
 * @param out the compressed checkpoint folder
 * @param decoder whether the model is a decoder (perplexity budget) rather than a classifier (accuracy budget)
 * @param layers layers of the model
 * @param tried every layer tried, from the most linear down
 * @param replacedLayers the layers replaced by fitted linear maps, in the order they were replaced
 * @param validationBefore validation metric of the original
 * @param validationAfter validation metric after the replacements
 * @param testBefore test metric of the original
 * @param testAfter test metric after the replacements (before healing)
 * @param testKlToOriginal mean KL(original ‖ compressed) over the test rows or next-token distributions
 * @param parametersBefore parameters of the original
 * @param parametersAfter parameters after the replacements
 * @param heal the healing, or null
 * @param testAfterHealing test metric after healing, or null
 * @param testKlToOriginalAfterHealing with distillation: the KL after healing, or null
 * @param document the whole result, as {@code linforge compress --json} writes it ({@link #toJson()})
 */
public record CompressResult(Path out, boolean decoder, int layers, List<Tried> tried, List<Integer> replacedLayers,
        double validationBefore, double validationAfter, double testBefore, double testAfter, double testKlToOriginal,
        long parametersBefore, long parametersAfter, String heal, Double testAfterHealing,
        Double testKlToOriginalAfterHealing, ObjectNode document) {
    public CompressResult {
        tried = List.copyOf(tried);
        replacedLayers = List.copyOf(replacedLayers);
    }

    /**
     * One layer the search tried.
     *
     * @param validation the validation metric with this layer replaced (and the kept ones before it)
     * @param kept whether the replacement stayed within the budget and was kept
     */
    public record Tried(int layer, double linearity, double validation, boolean kept) {
    }

    /** The metric's name in the result document: {@code accuracy} or {@code perplexity}. */
    public String metric() {
        return metric(decoder);
    }

    private static String metric(boolean decoder) {
        return decoder ? "perplexity" : "accuracy";
    }

    /** The typed view of the compressor's result document (healing included). */
    static CompressResult of(Path out, boolean decoder, ObjectNode r) {
        String m = metric(decoder);
        List<Tried> tried = new ArrayList<>();
        for (JsonNode t : r.path("tried")) {
            tried.add(new Tried(t.get("layer").asInt(), t.get("linearity").asDouble(), t.get("validation_" + m).asDouble(),
                    t.get("kept").asBoolean()));
        }
        List<Integer> replaced = new ArrayList<>();
        r.path("replaced_layers").forEach(n -> replaced.add(n.asInt()));
        return new CompressResult(out, decoder, r.get("layers").asInt(), tried, replaced,
                r.get("validation_" + m + "_before").asDouble(), r.get("validation_" + m + "_after").asDouble(),
                r.get("test_" + m + "_before").asDouble(), r.get("test_" + m + "_after").asDouble(),
                r.get("test_kl_to_original").asDouble(), r.get("parameters_before").asLong(),
                r.get("parameters_after").asLong(), r.has("heal") ? r.get("heal").asText() : null,
                r.has("test_" + m + "_after_healing") ? r.get("test_" + m + "_after_healing").asDouble() : null,
                r.has("test_kl_to_original_after_healing") ? r.get("test_kl_to_original_after_healing").asDouble() : null,
                r);
    }

    /** The result as {@code linforge compress --json} writes it. */
    public ObjectNode toJson() {
        return document.deepCopy();
    }
}
