package io.linforge.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * One LLaMA decoder layer (pre-RMSNorm): grouped-query self-attention with rotary position
 * embeddings and a causal mask, then the SwiGLU feed-forward block; both with residuals.
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

    LlamaLayer(int index, String p, Weights w, int hidden, int heads, int kvHeads, int headDim, int inter, double eps,
            String act) {
        this.index = index;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        inputNorm = new Norms.RmsNorm(w.get(p + "input_layernorm.weight", hidden), eps);
        q = BertLayer.linear(w, p + "self_attn.q_proj", (long) heads * headDim, hidden);
        k = BertLayer.linear(w, p + "self_attn.k_proj", (long) kvHeads * headDim, hidden);
        v = BertLayer.linear(w, p + "self_attn.v_proj", (long) kvHeads * headDim, hidden);
        o = BertLayer.linear(w, p + "self_attn.o_proj", hidden, (long) heads * headDim);
        postAttentionNorm = new Norms.RmsNorm(w.get(p + "post_attention_layernorm.weight", hidden), eps);
        gate = BertLayer.linear(w, p + "mlp.gate_proj", inter, hidden);
        up = BertLayer.linear(w, p + "mlp.up_proj", inter, hidden);
        down = BertLayer.linear(w, p + "mlp.down_proj", hidden, inter);
        this.act = act;
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
}
