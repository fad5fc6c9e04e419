package io.linforge.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.core.LinforgeException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The rotary position embedding of a decoder's {@code config.json}: {@code rope_parameters}
 * (transformers 5), or {@code rope_scaling} with a top-level {@code rope_theta} (earlier
 * versions), with {@code rope_type} (or {@code type}) {@code default}, {@code linear} or
 * {@code llama3}; any other type, or a field the type does not have, is refused.
 *
 * @param type                 {@code default}, {@code linear} or {@code llama3}
 * @param theta                the base ({@code rope_theta})
 * @param factor               the scaling factor (1 for {@code default})
 * @param lowFreqFactor        {@code llama3} only
 * @param highFreqFactor       {@code llama3} only
 * @param originalMaxPositions {@code llama3}: {@code original_max_position_embeddings}
 */
public record Rope(String type, double theta, double factor, double lowFreqFactor, double highFreqFactor,
        double originalMaxPositions) {
    public static final List<String> TYPES = List.of("default", "linear", "llama3");
    public static final double DEFAULT_THETA = 10000.0;
    private static final Set<String> COMMON = Set.of("rope_type", "type", "rope_theta", "partial_rotary_factor");
    private static final Map<String, List<String>> FIELDS = Map.of(
            "default", List.of(),
            "linear", List.of("factor"),
            "llama3", List.of("factor", "low_freq_factor", "high_freq_factor", "original_max_position_embeddings"));

    /** Reads and checks the rotary fields of {@code n}; errors name {@code source} and the field. */
    static Rope read(ObjectNode n, Path source) {
        String field = "rope_parameters";
        ObjectNode rp = object(n, "rope_parameters", source);
        ObjectNode legacy = object(n, "rope_scaling", source);
        if (rp == null) {
            rp = legacy;
            field = "rope_scaling";
        } else if (legacy != null) {
            rp = rp.deepCopy();
            for (Iterator<Map.Entry<String, JsonNode>> it = legacy.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode mine = rp.get(e.getKey());
                if (mine != null && !sameValue(mine, e.getValue())) {
                    throw LinforgeException.badInput(source, "rope_scaling." + e.getKey(), e.getValue()
                            + " differs from rope_parameters." + e.getKey() + " " + mine);
                }
                rp.set(e.getKey(), e.getValue());
            }
        }
        if (rp == null) {
            rp = n.objectNode();
        }
        String type = text(rp, "rope_type", field, source);
        String alias = text(rp, "type", field, source);
        if (type != null && alias != null && !type.equals(alias)) {
            throw LinforgeException.badInput(source, field + ".type", "'" + alias + "' differs from " + field
                    + ".rope_type '" + type + "'");
        }
        String typeField = field + (type != null || alias == null ? ".rope_type" : ".type");
        type = type != null ? type : alias != null ? alias : "default";
        if (!FIELDS.containsKey(type)) {
            throw LinforgeException.badInput(source, typeField, "'" + type + "' is not supported (supported: "
                    + String.join(", ", TYPES) + ")");
        }
        for (Iterator<String> it = rp.fieldNames(); it.hasNext();) {
            String k = it.next();
            if (!COMMON.contains(k) && !FIELDS.get(type).contains(k)) {
                throw LinforgeException.badInput(source, field + "." + k, "not a field of rope_type '" + type
                        + "' (its fields: " + String.join(", ", FIELDS.get(type)) + ")");
            }
        }
        for (String k : FIELDS.get(type)) {
            positive(rp, k, field, source);
        }
        wholeHead(rp.get("partial_rotary_factor"), field + ".partial_rotary_factor", source);
        wholeHead(n.get("partial_rotary_factor"), "partial_rotary_factor", source);
        JsonNode inner = rp.get("rope_theta");
        JsonNode outer = n.get("rope_theta");
        if (inner != null && !inner.isNull() && outer != null && !outer.isNull() && !sameValue(inner, outer)) {
            throw LinforgeException.badInput(source, "rope_theta", outer + " differs from " + field + ".rope_theta "
                    + inner);
        }
        double theta = DEFAULT_THETA;
        if (inner != null && !inner.isNull()) {
            theta = positive(rp, "rope_theta", field, source);
        } else if (outer != null && !outer.isNull()) {
            if (!outer.isNumber() || !(outer.asDouble() > 0)) {
                throw LinforgeException.badInput(source, "rope_theta", "expected a positive number, got " + outer);
            }
            theta = outer.asDouble();
        }
        return switch (type) {
            case "linear" -> new Rope(type, theta, rp.get("factor").asDouble(), 0, 0, 0);
            case "llama3" -> {
                double low = rp.get("low_freq_factor").asDouble();
                double high = rp.get("high_freq_factor").asDouble();
                if (!(high > low)) {
                    throw LinforgeException.badInput(source, field + ".high_freq_factor", high
                            + " must be above low_freq_factor " + low);
                }
                yield new Rope(type, theta, rp.get("factor").asDouble(), low, high,
                        rp.get("original_max_position_embeddings").asDouble());
            }
            default -> new Rope(type, theta, 1, 0, 0, 0);
        };
    }

    private static ObjectNode object(ObjectNode n, String key, Path source) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isObject()) {
            throw LinforgeException.badInput(source, key, "expected an object or null, got " + v);
        }
        return (ObjectNode) v;
    }

    private static String text(ObjectNode rp, String key, String field, Path source) {
        JsonNode v = rp.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw LinforgeException.badInput(source, field + "." + key, "expected a string, got " + v);
        }
        return v.asText();
    }

    private static double positive(ObjectNode rp, String key, String field, Path source) {
        JsonNode v = rp.get(key);
        if (v == null || v.isNull()) {
            throw LinforgeException.badInput(source, field + "." + key, "missing");
        }
        if (!v.isNumber() || !(v.asDouble() > 0) || Double.isInfinite(v.asDouble())) {
            throw LinforgeException.badInput(source, field + "." + key, "expected a positive number, got " + v);
        }
        return v.asDouble();
    }

    private static void wholeHead(JsonNode p, String field, Path source) {
        if (p != null && !p.isNull() && !(p.isNumber() && p.asDouble() == 1.0)) {
            throw LinforgeException.badInput(source, field, p + " is not supported (rotary embedding on part of each "
                    + "head); only 1.0");
        }
    }

    private static boolean sameValue(JsonNode a, JsonNode b) {
        return a.isNumber() && b.isNumber() ? a.asDouble() == b.asDouble() : a.equals(b);
    }

    /**
     * The inverse frequencies [head_dim / 2] as transformers computes them, step by step in float32:
     * {@code 1 / theta^(2i / d)}, then divided by the factor ({@code linear}), or, for
     * {@code llama3}, with wavelength {@code 2π / f}: wavelengths above
     * {@code original_max_position_embeddings / low_freq_factor} divided by the factor, those
     * below {@code original_max_position_embeddings / high_freq_factor} kept, and those between
     * interpolated, {@code (1 − s) f / factor + s f} with
     * {@code s = (original_max_position_embeddings / wavelength − low_freq_factor) / (high_freq_factor − low_freq_factor)}.
     */
    public float[] inverseFrequencies(int headDim) {
        float[] inv = new float[headDim / 2];
        float base = (float) theta;
        for (int i = 0; i < inv.length; i++) {
            float exponent = (float) (2 * i) / (float) headDim;
            inv[i] = 1f / (float) Math.pow(base, exponent);
        }
        float f = (float) factor;
        switch (type) {
            case "linear" -> {
                for (int i = 0; i < inv.length; i++) {
                    inv[i] = inv[i] / f;
                }
            }
            case "llama3" -> {
                float lowWavelen = (float) (originalMaxPositions / lowFreqFactor);
                float highWavelen = (float) (originalMaxPositions / highFreqFactor);
                float old = (float) originalMaxPositions;
                float low = (float) lowFreqFactor;
                float span = (float) (highFreqFactor - lowFreqFactor);
                float twoPi = (float) (2 * Math.PI);
                for (int i = 0; i < inv.length; i++) {
                    float wavelen = (1f / inv[i]) * twoPi;
                    float scaled = wavelen > lowWavelen ? inv[i] / f : inv[i];
                    float smooth = ((1f / wavelen) * old - low) / span;
                    float smoothed = (1f - smooth) * scaled / f + smooth * scaled;
                    boolean medium = !(wavelen < highWavelen) && !(wavelen > lowWavelen);
                    inv[i] = medium ? smoothed : scaled;
                }
            }
            default -> {
            }
        }
        return inv;
    }
}
