package io.linforge.api.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@link Training#train} trained and wrote.
 *
 * @param out the output folder
 * @param decoder whether the model was trained as a causal language model (else as a classifier)
 * @param method the training method
 * @param steps optimizer updates
 * @param finalLoss the loss of the last update
 * @param skippedSteps updates skipped by the non-finite-step guard
 * @param trainableParameters parameters the method trained
 * @param totalParameters parameters of the model (adapters included)
 * @param evalAccuracy classifiers: accuracy on the test rows; null for decoders
 * @param evalPerplexity decoders: perplexity on the held-out blocks; null for classifiers
 * @param evalSize test rows (classifiers) or held-out blocks (decoders)
 * @param tokensPerS training throughput
 * @param peakRssBytes peak resident memory of the process
 * @param seconds wall time of the training
 * @param curve the loss (and the evaluations) per update
 * @param document the whole result, as {@code linforge train --json} writes it ({@link #toJson()})
 */
public record TrainResult(Path out, boolean decoder, String method, int steps, double finalLoss, int skippedSteps,
        long trainableParameters, long totalParameters, Double evalAccuracy, Double evalPerplexity, int evalSize,
        double tokensPerS, long peakRssBytes, double seconds, List<Point> curve, ObjectNode document) {
    public TrainResult {
        curve = List.copyOf(curve);
    }

    /**
     * One update of the training curve.
     *
     * @param metric the evaluation at this update ({@code eval_accuracy} or {@code eval_perplexity}), or null
     */
    public record Point(int step, double loss, double lr, Double metric) {
    }

    /** The typed view of the trainer's result document. */
    static TrainResult of(Path out, boolean decoder, ObjectNode r) {
        String metric = decoder ? "eval_perplexity" : "eval_accuracy";
        List<Point> curve = new ArrayList<>();
        for (JsonNode p : r.path("curve")) {
            curve.add(new Point(p.get("step").asInt(), p.get("loss").asDouble(), p.get("lr").asDouble(),
                    p.has(metric) ? p.get(metric).asDouble() : null));
        }
        return new TrainResult(out, decoder, r.get("method").asText(), r.get("steps").asInt(), r.get("final_loss").asDouble(),
                r.get("skipped_steps").asInt(), r.get("trainable_parameters").asLong(), r.get("total_parameters").asLong(),
                decoder ? null : r.get("eval_accuracy").asDouble(), decoder ? r.get("eval_perplexity").asDouble() : null,
                r.get(decoder ? "eval_blocks" : "eval_rows").asInt(), r.get("tokens_per_s").asDouble(), r.get("peak_rss_bytes").asLong(),
                r.get("seconds").asDouble(), curve, r);
    }

    /** The result as {@code linforge train --json} writes it. */
    public ObjectNode toJson() {
        return document.deepCopy();
    }
}
