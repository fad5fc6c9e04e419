package io.linforge.runtime.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.linforge.core.LinforgeException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a model's time goes, from an ONNX Runtime profile (the JSON trace written by a session
 * opened with profiling): for every node the median of its kernel times over the runs, summed
 * per operator type. Medians keep the rare preempted run out, so the sum estimates one run on an
 * unloaded machine; the nodes are those of the optimized graph, so fused operators (e.g.
 * {@code SkipLayerNormalization}) appear under their own names.
 */
public final class OpProfile {
    /** Milliseconds per operator type (largest first), their total, the runs and the nodes seen. */
    public record Result(Map<String, Double> opMs, double totalMs, int runs, int nodes) {
    }

    private OpProfile() {
    }

    /** The events of an ONNX Runtime profile (a JSON array); exit 2 naming the file when it is not one. */
    public static JsonNode events(Path json) {
        JsonNode events;
        try {
            events = new ObjectMapper().readTree(json.toFile());
        } catch (IOException e) {
            throw LinforgeException.badInput(json, "profile", "cannot read: " + e.getMessage());
        }
        if (events == null || !events.isArray()) {
            throw LinforgeException.badInput(json, "profile", "not an ONNX Runtime profile (expected a JSON array of events)");
        }
        return events;
    }

    public static Result read(Path json) {
        JsonNode events = events(json);
        Map<String, List<Double>> perNode = new HashMap<>();
        Map<String, String> opOf = new HashMap<>();
        int runs = 0;
        for (JsonNode e : events) {
            String cat = e.path("cat").asText();
            String name = e.path("name").asText();
            if (cat.equals("Session") && name.equals("model_run")) {
                runs++;
            } else if (cat.equals("Node") && name.endsWith("_kernel_time")) {
                perNode.computeIfAbsent(name, k -> new ArrayList<>()).add(e.path("dur").asDouble() / 1000.0);
                opOf.put(name, e.path("args").path("op_name").asText("?"));
            }
        }
        Map<String, Double> byOp = new HashMap<>();
        double total = 0;
        for (Map.Entry<String, List<Double>> n : perNode.entrySet()) {
            double[] d = n.getValue().stream().mapToDouble(Double::doubleValue).toArray();
            Arrays.sort(d);
            double median = d[d.length / 2];
            byOp.merge(opOf.get(n.getKey()), median, Double::sum);
            total += median;
        }
        Map<String, Double> sorted = new LinkedHashMap<>();
        byOp.entrySet().stream().sorted((a, b) -> Double.compare(b.getValue(), a.getValue()))
                .forEach(x -> sorted.put(x.getKey(), x.getValue()));
        return new Result(sorted, total, runs, perNode.size());
    }
}
