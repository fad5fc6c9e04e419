package io.linforge.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import io.linforge.core.config.ModelConfig;
import io.linforge.core.onnx.TensorNames;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The LLaMA-family decoder with its language-model head on DJL: Hugging Face
 * {@code LlamaForCausalLM}, {@code MistralForCausalLM} and {@code Qwen2ForCausalLM}, which differ
 * only in config fields (biases, head size, rotary scaling; see {@link ModelConfig}).
 */
public final class DecoderModel extends TransformerModel {
    /**
     * The outputs of one forward pass: logits [B, S, V], the residual stream before each layer and
     * after the last one (pre final norm; null unless asked for), and the normed last hidden state.
     */
    public record Output(NDArray logits, List<NDArray> hiddenStates, NDArray lastHidden) {
    }

    private final String prefix;
    private final Parameter embedTokens;
    private final Norms.RmsNorm norm;
    private final Linear lmHead;
    private final boolean tied;
    private final int headDim;
    private final float[] invFreq;
    private final int window;

    DecoderModel(ModelConfig c, NDManager m, DataType dtype, Weights w) {
        super(c, m, dtype, w.all());
        prefix = w.has("model.embed_tokens.weight") ? "model." : "";
        int h = c.hiddenSize();
        headDim = c.headDim();
        embedTokens = w.get(prefix + "embed_tokens.weight", c.vocabSize(), h);
        java.util.Set<Integer> linear = c.linearLayers();
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            String lp = prefix + "layers." + i + ".";
            layers.add(linear.contains(i) ? LinearMapBlock.load(i, lp, w, h) : new LlamaLayer(i, lp, w, c));
        }
        norm = new Norms.RmsNorm(w.get(prefix + "norm.weight", h), c.rmsNormEps());
        if (w.has("lm_head.weight")) {
            lmHead = BertLayer.linear(w, "lm_head", c.vocabSize(), h);
            tied = false;
        } else if (c.tieWordEmbeddings()) {
            lmHead = new Linear("lm_head", embedTokens, null);
            tied = true;
        } else {
            throw io.linforge.core.LinforgeException.badInput(w.source(), "lm_head.weight",
                    "missing and tie_word_embeddings is false");
        }
        invFreq = c.rope().inverseFrequencies(headDim);
        window = c.slidingWindow();
    }

    @Override
    public String layerPrefix(int i) {
        return prefix + "layers." + i + ".";
    }

    public boolean tiedEmbeddings() {
        return tied;
    }

    public Linear lmHead() {
        return lmHead;
    }

    public String prefix() {
        return prefix;
    }

    @Override
    public Map<String, Linear> linears() {
        List<Linear> ls = new ArrayList<>();
        for (HiddenBlock b : layers) {
            ls.addAll(b.linears());
        }
        if (!tied) {
            ls.add(lmHead);
        }
        return collect(ls);
    }

    /** The rotary inverse frequencies [head_dim / 2] (float32, as transformers computes them). */
    public float[] inverseFrequencies() {
        return invFreq.clone();
    }

    /**
     * The rotary tables cos and sin, each [count, head_dim] row-major, for positions start ..
     * start+count−1: angle {@code p·f} in float32 as transformers' {@code inv_freq @ position_ids},
     * the two halves of a row equal. Both back ends take their tables from here.
     */
    public float[][] rotaryTables(long start, int count) {
        float[] cos = new float[count * headDim];
        float[] sin = new float[cos.length];
        int half = headDim / 2;
        for (int p = 0; p < count; p++) {
            for (int i = 0; i < half; i++) {
                float ang = (float) (start + p) * invFreq[i];
                cos[p * headDim + i] = cos[p * headDim + i + half] = (float) Math.cos(ang);
                sin[p * headDim + i] = sin[p * headDim + i + half] = (float) Math.sin(ang);
            }
        }
        return new float[][] {cos, sin};
    }

    /** cos and sin tables [S, D] for positions start .. start+S-1, in the compute dtype. */
    void rotary(ForwardContext ctx, long start, long s) {
        float[][] t = rotaryTables(start, (int) s);
        NDManager m = ctx.manager();
        ctx.cos = m.create(t[0], new ai.djl.ndarray.types.Shape(s, headDim));
        ctx.sin = m.create(t[1], new ai.djl.ndarray.types.Shape(s, headDim));
        if (ctx.dtype() != DataType.FLOAT32) {
            ctx.cos = ctx.cos.toType(ctx.dtype(), false);
            ctx.sin = ctx.sin.toType(ctx.dtype(), false);
        }
    }

    /**
     * Causal + padding bias [B, 1, S, T] for S new positions after {@code past} cached ones;
     * {@code mask} is [B, T] over all T = past + S positions.
     */
    static NDArray causalBias(NDManager m, NDArray mask, long past, long s) {
        long b = mask.getShape().get(0);
        long t = mask.getShape().get(1);
        NDArray qpos = m.arange(past, past + s, 1L, DataType.INT64).reshape(s, 1);
        NDArray kpos = m.arange(0L, t, 1L, DataType.INT64).reshape(1, t);
        NDArray future = kpos.gt(qpos).toType(DataType.FLOAT32, false).reshape(1, 1, s, t);
        NDArray pad = mask.toType(DataType.FLOAT32, false).neg().add(1f).reshape(b, 1, 1, t);
        return future.add(pad).minimum(1f).mul(-Float.MAX_VALUE);
    }

    /**
     * Runs the decoder on {@code ids} [B, S] with {@code mask} [B, past+S]; with a cache, the new
     * keys and values are appended to it and positions continue after the cached ones.
     */
    public Output forward(NDArray ids, NDArray mask, ForwardContext ctx, boolean allHidden, KvCache cache) {
        NDManager m = ctx.manager();
        long s = ids.getShape().get(1);
        long past = cache == null ? 0 : cache.length();
        if (window > 0 && past + s > window) {
            throw io.linforge.core.LinforgeException.badInput("config.json", "sliding_window", "a sequence of "
                    + (past + s) + " positions is longer than the attention window " + window
                    + " (sliding-window attention is not implemented)");
        }
        ctx.cache = cache;
        rotary(ctx, past, s);
        NDArray fullMask = mask != null ? mask : m.ones(new ai.djl.ndarray.types.Shape(ids.getShape().get(0), past + s),
                DataType.INT64);
        ctx.attentionBias = causalBias(m, fullMask, past, s);
        NDArray x = Embedding.embedding(ids, embedTokens.array(), SparseFormat.DENSE).singletonOrThrow();
        List<NDArray> hs = allHidden ? new ArrayList<>() : null;
        if (hs != null) {
            hs.add(x);
        }
        for (HiddenBlock layer : layers) {
            x = layer.forward(x, ctx);
            if (hs != null) {
                hs.add(x);
            }
        }
        NDArray last = norm.forward(x);
        NDArray logits = lmHead.forward(last, ctx);
        return new Output(logits, hs, last);
    }

    public Output forward(long[][] ids, long[][] mask, ForwardContext ctx, boolean allHidden) {
        NDManager m = ctx.manager();
        return forward(m.create(ids), mask == null ? null : m.create(mask), ctx, allHidden, null);
    }

    /**
     * The decoder as an ONNX graph with Optimum names: inputs {@code input_ids},
     * {@code attention_mask} [batch, past_sequence + sequence], {@code position_ids}, and with a
     * cache {@code past_key_values.N.key/value} [batch, kv_heads, past_sequence, head_dim];
     * outputs {@code logits} [batch, sequence, vocab] fp32 and {@code present.N.key/value}.
     */
    public io.linforge.core.onnx.proto.Onnx.ModelProto toOnnx(boolean fp16, int opset, boolean withCache) {
        return toOnnx(fp16, opset, withCache, false);
    }

    /**
     * As {@link #toOnnx(boolean, int, boolean)}; {@code flatTokens} lays the hidden states out as
     * [batch·sequence, hidden] between the embedding and the logits (for TensorRT, see
     * {@code OnnxEmitter.flatTokens}: at a decoding step, [batch, 1, hidden] would be one
     * matrix-vector product per sequence); inputs and outputs are the same.
     */
    public io.linforge.core.onnx.proto.Onnx.ModelProto toOnnx(boolean fp16, int opset, boolean withCache,
            boolean flatTokens) {
        return toOnnx(fp16, opset, withCache, flatTokens, false);
    }

    /** As above; {@code halfSoftmax} keeps attention scores and softmax in fp16 (see {@code OnnxEmitter.halfSoftmax}). */
    public io.linforge.core.onnx.proto.Onnx.ModelProto toOnnx(boolean fp16, int opset, boolean withCache,
            boolean flatTokens, boolean halfSoftmax) {
        return toGraph(fp16, opset, withCache, flatTokens, halfSoftmax).build();
    }

    /**
     * The graph of {@link #toOnnx(boolean, int, boolean, boolean, boolean)} before it is built: its
     * weights are converted only when it is built or saved ({@code GraphBuilder.save} streams them).
     */
    public io.linforge.core.onnx.GraphBuilder toGraph(boolean fp16, int opset, boolean withCache, boolean flatTokens,
            boolean halfSoftmax) {
        var g = new io.linforge.core.onnx.GraphBuilder(config.modelType(), opset);
        var e = new io.linforge.model.OnnxEmitter(g, fp16);
        e.halfSoftmax = halfSoftmax && fp16;
        var I64 = io.linforge.core.tensor.DType.I64;
        var F32 = io.linforge.core.tensor.DType.F32;
        int kv = config.numKeyValueHeads();
        String ids = g.input(TensorNames.INPUT_IDS, I64, "batch", "sequence");
        String mask = g.input(TensorNames.ATTENTION_MASK, I64, "batch", "total_sequence");
        String pos = g.input(TensorNames.POSITION_IDS, I64, "batch", "sequence");
        if (withCache) {
            for (int i = 0; i < layers.size(); i++) {
                if (!(layers.get(i) instanceof LlamaLayer)) {
                    continue;
                }
                e.past.put(i, new String[] {
                    g.input(TensorNames.pastKey(i), e.act(), "batch", kv, "past_sequence", headDim),
                    g.input(TensorNames.pastValue(i), e.act(), "batch", kv, "past_sequence", headDim)});
                e.present.put(i, new String[] {TensorNames.presentKey(i), TensorNames.presentValue(i)});
            }
        }
        // rotary tables for every position, gathered by position_ids: [B, 1, S, D]
        int maxPos = config.maxPositionEmbeddings();
        float[][] tables = rotaryTables(0, maxPos);
        var cosT = io.linforge.core.tensor.TensorData.ofFloats(new long[] {maxPos, headDim}, tables[0]);
        var sinT = io.linforge.core.tensor.TensorData.ofFloats(new long[] {maxPos, headDim}, tables[1]);
        String cosTab = g.initializer("/model/rotary_emb/cos_cached", fp16 ? cosT.toF16() : cosT);
        String sinTab = g.initializer("/model/rotary_emb/sin_cached", fp16 ? sinT.toF16() : sinT);
        e.cos = e.unsqueeze(e.node("Gather", "/model/rotary_emb/Gather", cosTab, pos), "/model/rotary_emb/Unsqueeze", 1);
        e.sin = e.unsqueeze(e.node("Gather", "/model/rotary_emb/Gather_1", sinTab, pos), "/model/rotary_emb/Unsqueeze_1", 1);
        // causal + padding bias [B, 1, S, T] (fp32)
        String b = "/model/attention_bias";
        String s = e.node("Gather", b + "/Gather", java.util.List.of(e.node("Shape", b + "/Shape", ids), g.constScalar(1)),
                java.util.Map.of("axis", 0));
        String t = e.node("Gather", b + "/Gather_1", java.util.List.of(e.node("Shape", b + "/Shape_1", mask),
                g.constScalar(1)), java.util.Map.of("axis", 0));
        String qIdx = e.unsqueeze(e.node("Range", b + "/Range", e.node("Sub", b + "/Sub", t, s), t, g.constScalar(1)),
                b + "/Unsqueeze", 1);
        String kIdx = e.node("Range", b + "/Range_1", g.constScalar(0), t, g.constScalar(1));
        String future = e.node("Greater", b + "/Greater", kIdx, qIdx);
        String pad = e.unsqueeze(e.node("Equal", b + "/Equal", mask, g.constScalar(0)), b + "/Unsqueeze_1", 1, 2);
        e.attentionBias = e.node("Where", b + "/Where", e.node("Or", b + "/Or", future, pad),
                e.constF32(e.maskValue()), e.constF32(0f));
        String x = e.node("Gather", "/model/embed_tokens/Gather", e.weight(embedTokens, false, false), ids);
        long hidden = config.hiddenSize();
        if (flatTokens) {
            e.flatTokens = true;
            e.tokenGrid = e.node("Shape", "/shape/Shape", ids);
            x = e.tokens(e.node("Reshape", "/model/embed_tokens/Reshape", x, g.constInts(-1, hidden)), hidden);
        }
        for (HiddenBlock layer : layers) {
            x = layer.emit(e, x);
        }
        x = e.tokens(norm.emit(e, x, "/model/norm"), hidden);
        String logits = e.linear(lmHead, x);
        if (flatTokens) {
            logits = e.node("Reshape", "/lm_head/Reshape", logits, e.gridShape(config.vocabSize()));
        }
        g.nodeNamed(fp16 ? "Cast" : "Identity", "/logits", java.util.List.of(logits), java.util.List.of(TensorNames.LOGITS),
                fp16 ? java.util.Map.of("to", F32.onnxType()) : java.util.Map.of());
        g.output(TensorNames.LOGITS, F32, "batch", "sequence", config.vocabSize());
        if (withCache) {
            for (int i : e.present.keySet().stream().sorted().toList()) {
                g.output(TensorNames.presentKey(i), e.act(), "batch", kv, "total_sequence", headDim);
                g.output(TensorNames.presentValue(i), e.act(), "batch", kv, "total_sequence", headDim);
            }
        }
        g.metadata("linforge.model_type", config.modelType());
        g.metadata("linforge.precision", fp16 ? "fp16" : "fp32");
        return g;
    }
}
