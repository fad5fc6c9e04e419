package io.linforge.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.linforge.core.config.ModelConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * One LLaMA-family decoder layer (pre-RMSNorm): grouped-query self-attention with rotary position
 * embeddings and a causal mask, then the gated feed-forward block; both with residuals. The
 * config decides which projections carry a bias ({@link ModelConfig#decoderBiases()}).
 */
public final class LlamaLayer implements HiddenBlock {
    final int index;
    final int heads;
    final int kvHeads;
    final int headDim;
    final Norms.RmsNorm inputNorm;
    final Linear q;
    final Linear k;
    final Linear v;
    final Linear o;
    final Norms.RmsNorm postAttentionNorm;
    final Linear gate;
    final Linear up;
    final Linear down;
    final String act;

    LlamaLayer(int index, String p, Weights w, ModelConfig c) {
        this.index = index;
        heads = c.numAttentionHeads();
        kvHeads = c.numKeyValueHeads();
        headDim = c.headDim();
        int hidden = c.hiddenSize();
        int inter = c.intermediateSize();
        ModelConfig.DecoderBiases b = c.decoderBiases();
        inputNorm = new Norms.RmsNorm(w.get(p + "input_layernorm.weight", hidden), c.rmsNormEps());
        q = linear(w, p + "self_attn.q_proj", (long) heads * headDim, hidden, b.qkv(), "attention_bias");
        k = linear(w, p + "self_attn.k_proj", (long) kvHeads * headDim, hidden, b.qkv(), "attention_bias");
        v = linear(w, p + "self_attn.v_proj", (long) kvHeads * headDim, hidden, b.qkv(), "attention_bias");
        o = linear(w, p + "self_attn.o_proj", hidden, (long) heads * headDim, b.output(), "attention_bias");
        postAttentionNorm = new Norms.RmsNorm(w.get(p + "post_attention_layernorm.weight", hidden), c.rmsNormEps());
        gate = linear(w, p + "mlp.gate_proj", inter, hidden, b.mlp(), "mlp_bias");
        up = linear(w, p + "mlp.up_proj", inter, hidden, b.mlp(), "mlp_bias");
        down = linear(w, p + "mlp.down_proj", hidden, inter, b.mlp(), "mlp_bias");
        act = c.hiddenAct();
    }

    /**
     * A projection whose bias the config decides: required when {@code bias}, and refused when
     * the checkpoint has one that the config says the layer does not have.
     */
    static Linear linear(Weights w, String name, long out, long in, boolean bias, String field) {
        if (!bias && w.has(name + ".bias")) {
            throw io.linforge.core.LinforgeException.badInput(w.source(), name + ".bias", "in the checkpoint, but "
                    + "config.json gives this layer no bias (" + field + ")");
        }
        return new Linear(name, w.get(name + ".weight", out, in), bias ? w.get(name + ".bias", out) : null);
    }

    @Override
    public int index() {
        return index;
    }

    /** (x1, x2) → (−x2, x1) over the last axis halves. */
    static NDArray rotateHalf(NDArray x) {
        long d = x.getShape().get(x.getShape().dimension() - 1);
        NDArray x1 = x.get(new NDIndex("..., :" + d / 2));
        NDArray x2 = x.get(new NDIndex("..., " + d / 2 + ":"));
        return x2.neg().concat(x1, -1);
    }

    static NDArray rope(NDArray x, NDArray cos, NDArray sin) {
        return x.mul(cos).add(rotateHalf(x).mul(sin));
    }

    /** [B, KV, S, D] → [B, KV·n, S, D], each kv head serving n consecutive query heads. */
    static NDArray repeatKv(NDArray x, int n) {
        if (n == 1) {
            return x;
        }
        Shape s = x.getShape();
        return x.expandDims(2).broadcast(s.get(0), s.get(1), n, s.get(2), s.get(3))
                .reshape(s.get(0), s.get(1) * n, s.get(2), s.get(3));
    }

    @Override
    public NDArray forward(NDArray hidden, ForwardContext ctx) {
        NDArray h = inputNorm.forward(hidden);
        NDArray qs = BertLayer.splitHeads(q.forward(h, ctx), heads, headDim);
        NDArray ks = BertLayer.splitHeads(k.forward(h, ctx), kvHeads, headDim);
        NDArray vs = BertLayer.splitHeads(v.forward(h, ctx), kvHeads, headDim);
        qs = rope(qs, ctx.cos, ctx.sin);
        ks = rope(ks, ctx.cos, ctx.sin);
        if (ctx.cache != null) {
            if (ctx.cache.keys[index] != null) {
                ks = ctx.cache.keys[index].concat(ks, 2);
                vs = ctx.cache.values[index].concat(vs, 2);
            }
            ctx.cache.keys[index] = ks;
            ctx.cache.values[index] = vs;
        }
        int rep = heads / kvHeads;
        NDArray attn = BertLayer.attend(qs, repeatKv(ks, rep), repeatKv(vs, rep), ctx.attentionBias(), 0f, ctx);
        NDArray x = hidden.add(o.forward(BertLayer.mergeHeads(attn), ctx));
        NDArray m = postAttentionNorm.forward(x);
        NDArray mlp = down.forward(Activations.apply(act, gate.forward(m, ctx)).mul(up.forward(m, ctx)), ctx);
        return x.add(mlp);
    }

    @Override
    public List<Linear> linears() {
        return List.of(q, k, v, o, gate, up, down);
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> out = new ArrayList<>();
        out.add(inputNorm.weight());
        for (Linear l : List.of(q, k, v, o)) {
            out.addAll(l.parameters());
        }
        out.add(postAttentionNorm.weight());
        for (Linear l : List.of(gate, up, down)) {
            out.addAll(l.parameters());
        }
        return out;
    }

    static String emitRope(io.linforge.model.OnnxEmitter e, String x, int headDim, String scope) {
        var g = e.graph();
        String x1 = e.node("Slice", scope + "/Slice", x, g.constInts(0), g.constInts(headDim / 2), g.constInts(3));
        String x2 = e.node("Slice", scope + "/Slice_1", x, g.constInts(headDim / 2), g.constInts(headDim), g.constInts(3));
        String rot = e.node("Concat", scope + "/Concat", java.util.List.of(e.node("Neg", scope + "/Neg", x2), x1),
                java.util.Map.of("axis", -1));
        return e.node("Add", scope + "/Add", e.node("Mul", scope + "/Mul", x, e.cos), e.node("Mul", scope + "/Mul_1", rot, e.sin));
    }

    /** [B, KV, T, D] → [B, KV·n, T, D]. */
    static String emitRepeatKv(io.linforge.model.OnnxEmitter e, String x, int kvHeads, int n, int headDim, String scope) {
        if (n == 1) {
            return x;
        }
        var g = e.graph();
        String u = e.unsqueeze(x, scope + "/Unsqueeze", 2);
        String ex = e.node("Expand", scope + "/Expand", u, g.constInts(1, 1, n, 1, 1));
        return e.node("Reshape", scope + "/Reshape", ex, g.constInts(0, (long) kvHeads * n, -1, headDim));
    }

    @Override
    public String emit(io.linforge.model.OnnxEmitter e, String hidden) {
        String s = "/model/layers." + index;
        long width = o.outFeatures();
        String h = e.tokens(inputNorm.emit(e, hidden, s + "/input_layernorm"), width);
        String a = s + "/self_attn";
        String qs = BertLayer.emitSplit(e, e.linear(q, h), heads, headDim, new long[] {0, 2, 1, 3}, a + "/q");
        String ks = BertLayer.emitSplit(e, e.linear(k, h), kvHeads, headDim, new long[] {0, 2, 1, 3}, a + "/k");
        String vs = BertLayer.emitSplit(e, e.linear(v, h), kvHeads, headDim, new long[] {0, 2, 1, 3}, a + "/v");
        qs = emitRope(e, qs, headDim, a + "/rotary_q");
        ks = emitRope(e, ks, headDim, a + "/rotary_k");
        String[] past = e.past.get(index);
        if (past != null) {
            ks = e.node("Concat", a + "/Concat_k", java.util.List.of(past[0], ks), java.util.Map.of("axis", 2));
            vs = e.node("Concat", a + "/Concat_v", java.util.List.of(past[1], vs), java.util.Map.of("axis", 2));
        }
        String[] present = e.present.get(index);
        if (present != null) {
            e.graph().nodeNamed("Identity", a + "/present_key", java.util.List.of(ks), java.util.List.of(present[0]),
                    java.util.Map.of());
            e.graph().nodeNamed("Identity", a + "/present_value", java.util.List.of(vs), java.util.List.of(present[1]),
                    java.util.Map.of());
        }
        int rep = heads / kvHeads;
        String kr = emitRepeatKv(e, ks, kvHeads, rep, headDim, a + "/repeat_k");
        String vr = emitRepeatKv(e, vs, kvHeads, rep, headDim, a + "/repeat_v");
        String kT = e.node("Transpose", a + "/Transpose_k", java.util.List.of(kr), java.util.Map.of("perm", new long[] {0, 1, 3, 2}));
        String ctx = BertLayer.emitMerge(e, BertLayer.emitAttend(e, qs, kT, vr, headDim, a), heads * headDim, a);
        String x = e.tokens(e.node("Add", s + "/Add", hidden, e.linear(o, ctx)), width);
        String m = e.tokens(postAttentionNorm.emit(e, x, s + "/post_attention_layernorm"), width);
        String gate1 = Activations.emit(e, act, e.linear(gate, m), s + "/mlp/act_fn");
        String mlp = e.linear(down, e.tokens(e.node("Mul", s + "/mlp/Mul", gate1, e.linear(up, m)), gate.outFeatures()));
        return e.tokens(e.node("Add", s + "/Add_1", x, mlp), width);
    }
}
