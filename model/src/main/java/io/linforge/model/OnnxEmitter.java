package io.linforge.model;

import io.linforge.core.onnx.GraphBuilder;
import io.linforge.core.tensor.ConvertedTensor;
import io.linforge.core.tensor.DType;
import io.linforge.core.tensor.TensorData;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the blocks of a model use to write their ONNX nodes: the graph, the precision (fp32, or
 * fp16 weights and activations with normalisations and softmax in fp32), the values that every
 * layer shares (attention bias, rotary tables, key/value cache names) and the weights as
 * initializers (each parameter written once).
 */
public final class OnnxEmitter {
    private final GraphBuilder graph;
    private final boolean fp16;
    private final Map<String, String> weights = new HashMap<>();
    /** Additive attention bias, fp32, broadcastable to [batch, heads, query, key]. */
    public String attentionBias;
    /**
     * fp16 graphs: attention scores, their bias and the softmax stay in fp16 instead of fp32, the
     * form TensorRT fuses into one attention kernel. The bias must then be finite in fp16 (a
     * masked score is pushed down by at most 30000, never to -inf, so a fully masked row stays
     * finite).
     */
    public boolean halfSoftmax;
    private String attentionBiasAct;
    /** Rotary tables [batch, 1, seq, head_dim] in the activation type (decoders). */
    public String cos;
    public String sin;
    /**
     * Encoders keep their hidden states as [tokens, 1, width] and declare that shape in
     * {@code value_info}: with both inputs of the residual Add known to agree, ONNX Runtime fuses
     * Add + LayerNormalization into its SkipLayerNormalization kernel. The graph itself stays
     * standard ONNX. Tokens are sequence-major (tokens = sequence × batch) before opset 23, and
     * batch-major from 23, where the {@code Attention} op takes [batch, sequence, hidden].
     */
    public boolean tokenLayout;
    /**
     * Hidden states as [tokens, width]: with {@link #tokenLayout} instead of [tokens, 1, width]
     * (encoders), with {@link #tokenGrid} instead of [batch, sequence, width] (decoders). TensorRT
     * multiplies a [tokens, 1, width] or [batch, 1, width] tensor by a [width, out] weight as a
     * batch of one-row products (one per token), but a [tokens, width] one as a single matrix
     * product.
     */
    public boolean flatTokens;
    /**
     * Decoders with {@link #flatTokens}: int64 [2], the [batch, sequence] that the attention splits
     * the token axis back into; null when decoder hidden states are [batch, sequence, width].
     */
    public String tokenGrid;
    private final Map<String, String> gridShapes = new HashMap<>();
    /** int64 [3]: the token axis split in two, then hidden: [S, B, hidden], or [B, S, hidden] from opset 23. */
    public String sequenceShape;
    /** int64 [3]: [S, B·heads, head size] (sequence-major tokens). */
    public String headShape;
    /** Past key/value inputs and present outputs per layer (decoders with a cache). */
    public final Map<Integer, String[]> past = new HashMap<>();
    public final Map<Integer, String[]> present = new HashMap<>();

    public OnnxEmitter(GraphBuilder graph, boolean fp16) {
        this.graph = graph;
        this.fp16 = fp16;
    }

    public GraphBuilder graph() {
        return graph;
    }

    public boolean fp16() {
        return fp16;
    }

    /** The activation type: F16 or F32. */
    public DType act() {
        return fp16 ? DType.F16 : DType.F32;
    }

    /** A parameter as an initializer in the activation type (or fp32), optionally transposed to [in, out]. */
    public String weight(Parameter p, boolean transpose, boolean keepFp32) {
        String key = p.name() + (transpose ? "#T" : "") + (keepFp32 ? "#32" : "");
        return weights.computeIfAbsent(key, k -> {
            String name = transpose ? "/" + p.name().replace('.', '/').replaceFirst("/weight$", "/weight_t") : p.name();
            return graph.initializer(name, new ConvertedTensor(p.name(), p.values(), transpose,
                    fp16 && !keepFp32 ? DType.F16 : DType.F32));
        });
    }

    /** A tensor computed at export time (fp32 values), in the activation type; never shared. */
    public String derived(String name, TensorData t) {
        return graph.initializer(name, fp16 ? t.toF32().toF16() : t.toF32());
    }

    /** The values of a parameter as fp32. */
    public static float[] values(Parameter p) {
        return p.values().load().toFloats();
    }

    /**
     * Declares {@code x} as [tokens, width] ({@link #flatTokens}) or [tokens, 1, width]
     * ({@link #tokenLayout}) in the activation type; nothing for [batch, sequence, width].
     */
    public String tokens(String x, long width) {
        if (flatTokens) {
            graph.annotate(x, act(), "tokens", width);
        } else if (tokenLayout) {
            graph.annotate(x, act(), "tokens", 1, width);
        }
        return x;
    }

    /**
     * int64 shape [batch, sequence, tail...] of a decoder's token axis split back, built once per
     * tail from {@link #tokenGrid}; with [batch, sequence, width] hidden states the constant
     * [0, 0, tail...] (Reshape keeps the first two dimensions).
     */
    public String gridShape(long... tail) {
        if (tokenGrid == null) {
            long[] dims = new long[tail.length + 2];
            System.arraycopy(tail, 0, dims, 2, tail.length);
            return graph.constInts(dims);
        }
        return gridShapes.computeIfAbsent(java.util.Arrays.toString(tail), k -> node("Concat",
                "/shape/grid_" + String.join("_", java.util.Arrays.stream(tail).mapToObj(Long::toString).toList()),
                List.of(tokenGrid, graph.constInts(tail)), Map.of("axis", 0)));
    }

    /** int64 shape constant of the token layout: [-1, width] with {@link #flatTokens}, else [-1, 1, width]. */
    public String tokenShape(long width) {
        return flatTokens ? graph.constInts(-1, width) : graph.constInts(-1, 1, width);
    }

    public String node(String op, String name, String... in) {
        return graph.node(op, name, in);
    }

    public String node(String op, String name, List<String> in, Map<String, Object> attrs) {
        return graph.node(op, name, in, attrs);
    }

    /** Node-name scope of a module: {@code encoder.layer.0.attention.self.query} → {@code /encoder/layer.0/attention/self/query}. */
    public static String scope(String module) {
        StringBuilder sb = new StringBuilder("/");
        String[] parts = module.split("\\.");
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) {
                boolean numeric = parts[i].chars().allMatch(Character::isDigit);
                sb.append(numeric ? '.' : '/');
            }
            sb.append(parts[i]);
        }
        return sb.toString();
    }

    /** {@code x Wᵀ + b} as MatMul (with the transposed weight) and Add. */
    public String linear(Linear l, String x) {
        if (!l.adapters().isEmpty()) {
            throw new IllegalStateException(l.name() + " has live adapters: merge them before export");
        }
        String s = scope(l.name());
        String y = node("MatMul", s + "/MatMul", x, weight(l.weight(), true, false));
        if (l.bias() != null) {
            y = node("Add", s + "/Add", y, weight(l.bias(), false, false));
        }
        return y;
    }

    /** {@code x (s·W)ᵀ}: a MatMul with the weight transposed to [in, out] and scaled by {@code s} at export time. */
    public String matMul(Linear l, String x, float scale) {
        if (!l.adapters().isEmpty()) {
            throw new IllegalStateException(l.name() + " has live adapters: merge them before export");
        }
        String s = scope(l.name());
        if (scale == 1f) {
            return node("MatMul", s + "/MatMul", x, weight(l.weight(), true, false));
        }
        TensorData w = l.weight().values().load().toF32().transpose2d();
        float[] v = w.toFloats();
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (v[i] * (double) scale);
        }
        String name = "/" + l.weight().name().replace('.', '/').replaceFirst("/weight$", "/weight_t_scaled");
        return node("MatMul", s + "/MatMul", x, derived(name, TensorData.ofFloats(w.shape(), v)));
    }

    /** {@code y + b} with a bias vector computed at export time. */
    public String addBias(String y, Linear l, float[] bias, String suffix) {
        String name = l.name() + ".bias" + suffix;
        return node("Add", scope(l.name()) + "/Add", y, derived(name, TensorData.ofFloats(new long[] {bias.length}, bias)));
    }

    public String cast(String x, DType to, String name) {
        return node("Cast", name, List.of(x), Map.of("to", to.onnxType()));
    }

    /** Casts to fp32 in an fp16 graph (no-op in fp32). */
    public String toF32(String x, String name) {
        return fp16 ? cast(x, DType.F32, name) : x;
    }

    /** Casts back to the activation type in an fp16 graph (no-op in fp32). */
    public String toAct(String x, String name) {
        return fp16 ? cast(x, DType.F16, name) : x;
    }

    /** {@link #attentionBias} in the type the softmax runs in: fp16 with {@link #halfSoftmax}, else fp32. */
    public String softmaxBias() {
        if (!halfSoftmax) {
            return attentionBias;
        }
        if (attentionBiasAct == null) {
            attentionBiasAct = cast(attentionBias, DType.F16, "/attention_bias/Cast_half");
        }
        return attentionBiasAct;
    }

    /** The value that masks a score: the most negative fp32, or -30000 when the softmax runs in fp16. */
    public float maskValue() {
        return halfSoftmax ? -30000f : -Float.MAX_VALUE;
    }

    /** Unsqueeze with {@code axes} as an input (opset 13+) or an attribute (before). */
    public String unsqueeze(String x, String name, long... axes) {
        if (graph.opset() >= 13) {
            return node("Unsqueeze", name, x, graph.constInts(axes));
        }
        return node("Unsqueeze", name, List.of(x), Map.of("axes", axes));
    }

    public String constF(float v) {
        return graph.constFloat(v, act());
    }

    public String constF32(float v) {
        return graph.constFloat(v, DType.F32);
    }
}
