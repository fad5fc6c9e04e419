package io.linforge.api.training;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.api.Json;
import java.nio.file.Path;
import java.util.List;

/**
 * What {@link Training#analyze} measured; {@code out} holds {@code scores.json} (this result's
 * {@link #toJson()}), {@code scores.csv}, {@code profile.png} and {@code profile.svg}.
 *
 * @param model the checkpoint folder
 * @param out the output folder
 * @param texts calibration texts
 * @param tokens tokens in the statistics (position 0 excluded unless {@code includeFirst})
 * @param seconds time of the capture
 * @param layers the scores of each layer, in order
 */
public record AnalyzeResult(Path model, Path out, int texts, long tokens, double seconds, List<Layer> layers) {
    public AnalyzeResult {
        layers = List.copyOf(layers);
    }

    /**
     * The scores of one layer.
     *
     * @param linearity linearity score of the layer's map from input to output
     * @param linearityResidualRemoved the same with the residual stream removed
     * @param blockInfluence ShortGPT Block Influence: 1 − mean per-token cosine of input and output
     * @param angularDistance angular distance of the last token: mean over sequences of arccos(cos(input, output)) / π
     */
    public record Layer(int layer, double linearity, double linearityResidualRemoved, double blockInfluence,
            double angularDistance) {
    }

    /** The result as {@code linforge analyze --json} (and {@code scores.json}) writes it. */
    public ObjectNode toJson() {
        ObjectNode result = Json.MAPPER.createObjectNode();
        result.put("model", model.toAbsolutePath().toString());
        result.put("texts", texts);
        result.put("tokens", tokens);
        result.put("seconds", seconds);
        ArrayNode a = result.putArray("layers");
        for (Layer l : layers) {
            ObjectNode n = a.addObject();
            n.put("layer", l.layer());
            n.put("linearity", l.linearity());
            n.put("linearity_residual_removed", l.linearityResidualRemoved());
            n.put("block_influence", l.blockInfluence());
            n.put("angular_distance", l.angularDistance());
        }
        return result;
    }
}
