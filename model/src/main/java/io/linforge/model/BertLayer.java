package io.linforge.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.Dropout;
import java.util.ArrayList;
import java.util.List;

/**
 * One BERT/RoBERTa encoder layer (post-LayerNorm): self-attention with a padding-aware additive
 * mask, output projection + residual + LayerNorm, then the feed-forward block + residual + LayerNorm.
 */
public final class BertLayer implements HiddenBlock {
    final int index;
    final int heads;
    final int headDim;
    final Linear query;
    final Linear key;
    final Linear value;
    final Linear attentionOutput;
    final Norms.LayerNorm attentionNorm;
    final Linear intermediate;
    final Linear output;
    final Norms.LayerNorm outputNorm;
    final String act;
    final float attentionDropout;
    final float hiddenDropout;

    BertLayer(int index, String p, Weights w, int hidden, int heads, int intermediateSize, double eps, String act,
            double attentionDropout, double hiddenDropout) {
        this.index = index;
        this.heads = heads;
        this.headDim = hidden / heads;
        this.query = linear(w, p + "attention.self.query", hidden, hidden);
        this.key = linear(w, p + "attention.self.key", hidden, hidden);
        this.value = linear(w, p + "attention.self.value", hidden, hidden);
        this.attentionOutput = linear(w, p + "attention.output.dense", hidden, hidden);
        this.attentionNorm = new Norms.LayerNorm(w.get(p + "attention.output.LayerNorm.weight", true, hidden),
                w.get(p + "attention.output.LayerNorm.bias", true, hidden), eps);
        this.intermediate = linear(w, p + "intermediate.dense", intermediateSize, hidden);
        this.output = linear(w, p + "output.dense", hidden, intermediateSize);
        this.outputNorm = new Norms.LayerNorm(w.get(p + "output.LayerNorm.weight", true, hidden),
                w.get(p + "output.LayerNorm.bias", true, hidden), eps);
        this.act = act;
        this.attentionDropout = (float) attentionDropout;
        this.hiddenDropout = (float) hiddenDropout;
    }

    static Linear linear(Weights w, String name, long out, long in) {
        return new Linear(name, w.get(name + ".weight", out, in), w.optional(name + ".bias", out));
    }

    @Override
    public int index() {
        return index;
    }

    /** [B, S, H·D] → [B, H, S, D]. */
    static NDArray splitHeads(NDArray x, int heads, int headDim) {
        Shape s = x.getShape();
        return x.reshape(s.get(0), s.get(1), heads, headDim).transpose(0, 2, 1, 3);
    }

    /** [B, H, S, D] → [B, S, H·D]. */
    static NDArray mergeHeads(NDArray x) {
        Shape s = x.getShape();
        return x.transpose(0, 2, 1, 3).reshape(s.get(0), s.get(2), s.get(1) * s.get(3));
    }

    /** softmax(q kᵀ / √d + bias) v with the softmax in fp32. */
    static NDArray attend(NDArray q, NDArray k, NDArray v, NDArray bias, float dropout, ForwardContext ctx) {
        long d = q.getShape().get(3);
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2));
        DataType dt = scores.getDataType();
        if (dt != DataType.FLOAT32) {
            scores = scores.toType(DataType.FLOAT32, false);
        }
        scores = Scalars.div(scores, (float) Math.sqrt(d));
        if (bias != null) {
            scores = scores.add(bias);
        }
        NDArray probs = scores.softmax(-1);
        if (ctx.training() && dropout > 0) {
            probs = Dropout.dropout(probs, dropout, true).singletonOrThrow();
        }
        if (dt != DataType.FLOAT32) {
            probs = probs.toType(dt, false);
        }
        return probs.matMul(v);
    }

    static NDArray dropout(NDArray x, float rate, ForwardContext ctx) {
        return ctx.training() && rate > 0 ? Dropout.dropout(x, rate, true).singletonOrThrow() : x;
    }

    @Override
    public NDArray forward(NDArray hidden, ForwardContext ctx) {
        NDArray q = splitHeads(query.forward(hidden, ctx), heads, headDim);
        NDArray k = splitHeads(key.forward(hidden, ctx), heads, headDim);
        NDArray v = splitHeads(value.forward(hidden, ctx), heads, headDim);
        NDArray context = mergeHeads(attend(q, k, v, ctx.attentionBias(), attentionDropout, ctx));
        NDArray a = attentionNorm.forward(dropout(attentionOutput.forward(context, ctx), hiddenDropout, ctx).add(hidden));
        NDArray inter = Activations.apply(act, intermediate.forward(a, ctx));
        return outputNorm.forward(dropout(output.forward(inter, ctx), hiddenDropout, ctx).add(a));
    }

    @Override
    public List<Linear> linears() {
        return List.of(query, key, value, attentionOutput, intermediate, output);
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> out = new ArrayList<>();
        for (Linear l : List.of(query, key, value, attentionOutput)) {
            out.addAll(l.parameters());
        }
        out.add(attentionNorm.weight());
        out.add(attentionNorm.bias());
        out.addAll(intermediate.parameters());
        out.addAll(output.parameters());
        out.add(outputNorm.weight());
        out.add(outputNorm.bias());
        return out;
    }

    /**
     * Splits heads: [B, S, H·D] (or [B·S, H·D] with {@code OnnxEmitter.flatTokens}) → [B, H, S, D]
     * ({@code perm} 0,2,1,3) or → [B, H, D, S] (0,2,3,1).
     */
    static String emitSplit(io.linforge.model.OnnxEmitter e, String x, int heads, int headDim, long[] perm, String scope) {
        String r = e.node("Reshape", scope + "/Reshape", x, e.gridShape(heads, headDim));
        return e.node("Transpose", scope + "/Transpose", java.util.List.of(r), java.util.Map.of("perm", perm));
    }

    /** softmax(q kᵀ / √d + bias) v with kᵀ given; scores and softmax in fp32 (fp16 with {@code halfSoftmax}). */
    static String emitAttend(io.linforge.model.OnnxEmitter e, String q, String kT, String v, int headDim, String scope) {
        return emitAttend(e, q, kT, v, (float) Math.sqrt(headDim), 3, scope);
    }

    /**
     * softmax(q kᵀ / divisor + bias) v with kᵀ given, the softmax over {@code axis} (the last);
     * no division when {@code divisor} is 1; scores and softmax in fp32, or in the activation type
     * with {@code OnnxEmitter.halfSoftmax}.
     */
    static String emitAttend(io.linforge.model.OnnxEmitter e, String q, String kT, String v, float divisor, int axis,
            String scope) {
        boolean half = e.halfSoftmax;
        String scores = e.node("MatMul", scope + "/MatMul", q, kT);
        if (!half) {
            scores = e.toF32(scores, scope + "/Cast");
        }
        if (divisor != 1f) {
            scores = e.node("Div", scope + "/Div", scores, half ? e.graph().constFloat(divisor, e.act()) : e.constF32(divisor));
        }
        scores = e.node("Add", scope + "/Add", scores, e.softmaxBias());
        String probs = e.node("Softmax", scope + "/Softmax", java.util.List.of(scores), java.util.Map.of("axis", axis));
        return e.node("MatMul", scope + "/MatMul_1", half ? probs : e.toAct(probs, scope + "/Cast_1"), v);
    }

    /** [B, H, S, D] → [B, S, H·D], or [B·S, H·D] with {@code OnnxEmitter.flatTokens}. */
    static String emitMerge(io.linforge.model.OnnxEmitter e, String x, int width, String scope) {
        String t = e.node("Transpose", scope + "/Transpose_3", java.util.List.of(x),
                java.util.Map.of("perm", new long[] {0, 2, 1, 3}));
        return e.tokens(e.node("Reshape", scope + "/Reshape_3", t, e.flatTokens ? e.graph().constInts(-1, width)
                : e.graph().constInts(0, 0, width)), width);
    }

    /**
     * The layer over hidden states laid out as [tokens, 1, hidden] (see
     * {@code OnnxEmitter.tokenLayout}). Three exact rewrites save work at run time: the query
     * weight and bias carry 1/√d (no division of the scores); the key bias is dropped (q·b_k is
     * the same for every key of a query, and softmax ignores a constant shift); the value bias
     * moves into the output projection's bias (b_o + W_o b_v, since each row of attention
     * probabilities sums to 1). Before opset 23 the tokens are sequence-major, so the projections
     * viewed as [S, B·heads, d] reach the attention products through transposes that ONNX
     * Runtime folds into its batched MatMul (no copies); from opset 23 the attention is one
     * standard {@code Attention} node over [B, S, hidden].
     */
    @Override
    public String emit(io.linforge.model.OnnxEmitter e, String hidden) {
        int width = heads * headDim;
        var g = e.graph();
        String s = io.linforge.model.OnnxEmitter.scope(query.name()).replaceFirst("/query$", "");
        float scale = (float) (1.0 / Math.sqrt(headDim));
        String q = e.matMul(query, hidden, scale);
        if (query.bias() != null) {
            float[] bq = io.linforge.model.OnnxEmitter.values(query.bias());
            for (int i = 0; i < bq.length; i++) {
                bq[i] = (float) (bq[i] * (double) scale);
            }
            q = e.addBias(q, query, bq, "_scaled");
        }
        q = e.tokens(q, width);
        String k = e.tokens(e.matMul(key, hidden, 1f), width);
        String v = e.tokens(e.matMul(value, hidden, 1f), width);
        String ctx;
        if (g.opset() >= 23) {
            ctx = e.node("Attention", s + "/Attention", java.util.List.of(
                    e.node("Reshape", s + "/q/Reshape", q, e.sequenceShape),
                    e.node("Reshape", s + "/k/Reshape", k, e.sequenceShape),
                    e.node("Reshape", s + "/v/Reshape", v, e.sequenceShape), e.attentionBias),
                    java.util.Map.of("q_num_heads", heads, "kv_num_heads", heads, "scale", 1f, "softmax_precision",
                            (e.halfSoftmax ? e.act() : io.linforge.core.tensor.DType.F32).onnxType()));
        } else if (e.tokenGrid != null) {
            // batch-major [B·S, heads·d] → [B, heads, S, d] (keys: [B, heads, d, S]), the pattern TensorRT
            // fuses into its attention kernel; back to [B, S, heads, d]
            String qh = emitSplit(e, q, heads, headDim, new long[] {0, 2, 1, 3}, s + "/q");
            String kT = emitSplit(e, k, heads, headDim, new long[] {0, 2, 3, 1}, s + "/k");
            String vh = emitSplit(e, v, heads, headDim, new long[] {0, 2, 1, 3}, s + "/v");
            ctx = e.node("Transpose", s + "/Transpose_3", java.util.List.of(emitAttend(e, qh, kT, vh, 1f, 3, s)),
                    java.util.Map.of("perm", new long[] {0, 2, 1, 3}));
        } else {
            // [S·B, heads·d] → [S, B·heads, d] → [B·heads, S, d] (keys: [B·heads, d, S])
            var toHeads = java.util.Map.<String, Object>of("perm", new long[] {1, 0, 2});
            String qh = e.node("Transpose", s + "/q/Transpose", java.util.List.of(
                    e.node("Reshape", s + "/q/Reshape", q, e.headShape)), toHeads);
            String kT = e.node("Transpose", s + "/k/Transpose", java.util.List.of(
                    e.node("Reshape", s + "/k/Reshape", k, e.headShape)), java.util.Map.of("perm", new long[] {1, 2, 0}));
            String vh = e.node("Transpose", s + "/v/Transpose", java.util.List.of(
                    e.node("Reshape", s + "/v/Reshape", v, e.headShape)), toHeads);
            ctx = e.node("Transpose", s + "/Transpose_3", java.util.List.of(emitAttend(e, qh, kT, vh, 1f, 2, s)), toHeads);
        }
        ctx = e.tokens(e.node("Reshape", s + "/Reshape_3", ctx, e.tokenShape(width)), width);
        String outScope = io.linforge.model.OnnxEmitter.scope(attentionOutput.name()).replaceFirst("/dense$", "");
        String o = e.matMul(attentionOutput, ctx, 1f);
        if (value.bias() != null) {
            o = e.tokens(e.addBias(o, attentionOutput, foldedOutputBias(), "_folded"), width);
        } else if (attentionOutput.bias() != null) {
            o = e.tokens(e.node("Add", io.linforge.model.OnnxEmitter.scope(attentionOutput.name()) + "/Add", o,
                    e.weight(attentionOutput.bias(), false, false)), width);
        }
        String a = e.tokens(attentionNorm.emit(e, e.tokens(e.node("Add", outScope + "/Add", o, hidden), width),
                outScope + "/LayerNorm"), width);
        String interScope = io.linforge.model.OnnxEmitter.scope(intermediate.name()).replaceFirst("/dense$", "");
        String inter = Activations.emit(e, act, e.linear(intermediate, a), interScope + "/intermediate_act_fn");
        String oScope = io.linforge.model.OnnxEmitter.scope(output.name()).replaceFirst("/dense$", "");
        String y = e.tokens(e.linear(output, inter), width);
        return e.tokens(outputNorm.emit(e, e.tokens(e.node("Add", oScope + "/Add", y, a), width), oScope + "/LayerNorm"),
                width);
    }

    /** b_o + W_o b_v, accumulated in float64 (the value bias must exist). */
    float[] foldedOutputBias() {
        int out = (int) attentionOutput.outFeatures();
        int in = (int) attentionOutput.inFeatures();
        float[] b = attentionOutput.bias() == null ? new float[out] : io.linforge.model.OnnxEmitter.values(attentionOutput.bias());
        float[] w = io.linforge.model.OnnxEmitter.values(attentionOutput.weight());
        float[] bv = io.linforge.model.OnnxEmitter.values(value.bias());
        for (int i = 0; i < out; i++) {
            double acc = b[i];
            for (int j = 0; j < in; j++) {
                acc += (double) w[i * in + j] * bv[j];
            }
            b[i] = (float) acc;
        }
        return b;
    }
}
