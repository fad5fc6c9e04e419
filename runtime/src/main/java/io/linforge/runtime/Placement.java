package io.linforge.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import io.linforge.core.LinforgeException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Which execution provider ran each node, from an ONNX Runtime profile (the JSON trace of a
 * session opened with profiling): its node events carry {@code args.provider} and
 * {@code args.output_type_shape}. A node is shape arithmetic when all its outputs are integer or
 * boolean tensors; ONNX Runtime keeps such nodes on the CPU next to a GPU provider on purpose.
 */
public final class Placement {
    static final String CPU_EP = "CPUExecutionProvider";
    private static final Set<String> SHAPE_TYPES = Set.of("int64", "int32", "int16", "int8", "uint64", "uint32", "uint16",
            "uint8", "bool");

    private Placement() {
    }

    /**
     * The nodes of the profile that ran on the CPU and produced a floating (or unknown) output, as
     * {@code "OpType 'node name'"}, in order of first appearance; empty when every CPU node is
     * shape arithmetic.
     */
    public static List<String> computeNodesOnCpu(Path profile) {
        JsonNode events = io.linforge.runtime.bench.OpProfile.events(profile);
        Set<String> out = new LinkedHashSet<>();
        int nodes = 0;
        for (JsonNode e : events) {
            String name = e.path("name").asText();
            if (!e.path("cat").asText().equals("Node") || !name.endsWith("_kernel_time")) {
                continue;
            }
            nodes++;
            JsonNode args = e.path("args");
            if (!args.path("provider").asText().equals(CPU_EP)) {
                continue;
            }
            if (!shapeOnly(args.path("output_type_shape"))) {
                out.add(args.path("op_name").asText("?") + " '" + name.substring(0, name.length() - "_kernel_time".length()) + "'");
            }
        }
        if (nodes == 0) {
            throw new LinforgeException(LinforgeException.FAILURE, profile + ": the profile shows no node, so where ONNX Runtime "
                    + "placed the model's nodes cannot be checked");
        }
        return new ArrayList<>(out);
    }

    /** Whether every output listed in {@code output_type_shape} ([{"int64": [..]}, ...]) is an integer or boolean tensor. */
    static boolean shapeOnly(JsonNode outputs) {
        if (!outputs.isArray() || outputs.isEmpty()) {
            return false;
        }
        for (JsonNode o : outputs) {
            var names = o.fieldNames();
            if (!names.hasNext()) {
                return false;
            }
            while (names.hasNext()) {
                if (!SHAPE_TYPES.contains(names.next())) {
                    return false;
                }
            }
        }
        return true;
    }
}
