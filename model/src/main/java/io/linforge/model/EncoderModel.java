package io.linforge.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import io.linforge.core.config.ModelConfig;
import io.linforge.core.onnx.Pooling;
import io.linforge.core.onnx.TensorNames;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * BERT and RoBERTa encoders (Hugging Face {@code BertModel}, {@code RobertaModel} and their
 * {@code ForSequenceClassification} heads) on DJL.
 */
public final class EncoderModel extends TransformerModel {
    /** The outputs of one forward pass (null where not computed). */
    public record Output(NDArray lastHidden, List<NDArray> hiddenStates, NDArray pooled, NDArray logits) {
    }

    private final String prefix;
    private final boolean roberta;
    private final Parameter wordEmbeddings;
    private final Parameter positionEmbeddings;
    private final Parameter tokenTypeEmbeddings;
    private final Norms.LayerNorm embeddingNorm;
    private Linear pooler;
    private Linear classifier;
    private Linear classifierDense;
    private final float hiddenDropout;
    private final int padId;

    EncoderModel(ModelConfig c, NDManager m, DataType dtype, Weights w) {
        super(c, m, dtype, w.all());
        roberta = c.modelType().equals("roberta");
        String base = roberta ? "roberta." : "bert.";
        prefix = w.has(base + "embeddings.word_embeddings.weight") ? base : "";
        int h = c.hiddenSize();
        String e = prefix + "embeddings.";
        wordEmbeddings = w.get(e + "word_embeddings.weight", c.vocabSize(), h);
        positionEmbeddings = w.get(e + "position_embeddings.weight", c.maxPositionEmbeddings(), h);
        tokenTypeEmbeddings = w.has(e + "token_type_embeddings.weight")
                ? w.get(e + "token_type_embeddings.weight", c.typeVocabSize(), h) : null;
        embeddingNorm = new Norms.LayerNorm(w.get(e + "LayerNorm.weight", true, h), w.get(e + "LayerNorm.bias", true, h),
                c.layerNormEps());
        double attnDrop = c.number("attention_probs_dropout_prob", 0.1);
        hiddenDropout = (float) c.number("hidden_dropout_prob", 0.1);
        java.util.Set<Integer> linear = c.linearLayers();
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            String lp = prefix + "encoder.layer." + i + ".";
            layers.add(linear.contains(i) ? LinearMapBlock.load(i, lp, w, h) : new BertLayer(i, lp, w, h,
                    c.numAttentionHeads(), c.intermediateSize(), c.layerNormEps(), c.hiddenAct(), attnDrop, hiddenDropout));
        }
        pooler = w.has(prefix + "pooler.dense.weight") ? BertLayer.linear(w, prefix + "pooler.dense", h, h) : null;
        int labels = c.numLabels();
        if (w.has("classifier.dense.weight")) {
            classifierDense = BertLayer.linear(w, "classifier.dense", h, h);
            classifier = BertLayer.linear(w, "classifier.out_proj", labels, h);
        } else if (w.has("classifier.weight")) {
            classifierDense = null;
            classifier = BertLayer.linear(w, "classifier", labels, h);
        } else {
            classifierDense = null;
            classifier = null;
        }
        padId = c.padTokenId();
    }

    /**
     * Gives an encoder without one a sequence-classification head (BERT style: pooler + classifier,
     * normal(0, 0.02) weights, zero biases, seeded) and updates the config's labels.
     */
    public void attachClassifier(java.util.List<String> labels, long seed) {
        int h = config.hiddenSize();
        java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
        if (pooler == null && !roberta) {
            pooler = new Linear(prefix + "pooler.dense", newParam(prefix + "pooler.dense.weight", rng, h, h),
                    newParam(prefix + "pooler.dense.bias", null, h));
        }
        if (classifier == null || classifier.outFeatures() != labels.size()) {
            if (roberta) {
                classifierDense = new Linear("classifier.dense", newParam("classifier.dense.weight", rng, h, h),
                        newParam("classifier.dense.bias", null, h));
                classifier = new Linear("classifier.out_proj", newParam("classifier.out_proj.weight", rng, labels.size(), h),
                        newParam("classifier.out_proj.bias", null, labels.size()));
            } else {
                classifier = new Linear("classifier", newParam("classifier.weight", rng, labels.size(), h),
                        newParam("classifier.bias", null, labels.size()));
            }
        }
        config = config.toBuilder().architectures(roberta ? "RobertaForSequenceClassification"
                : "BertForSequenceClassification").labels(labels).build();
    }

    private Parameter newParam(String name, java.util.SplittableRandom rng, long... shape) {
        int n = (int) new ai.djl.ndarray.types.Shape(shape).size();
        float[] v = new float[n];
        if (rng != null) {
            for (int i = 0; i < n; i++) {
                // Box-Muller normal(0, 0.02)
                double u1 = Math.max(rng.nextDouble(), 1e-12);
                double u2 = rng.nextDouble();
                v[i] = (float) (0.02 * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
            }
        }
        Parameter p = new Parameter(name, Weights.owned(manager.create(v, new ai.djl.ndarray.types.Shape(shape))));
        if (dtype != DataType.FLOAT32) {
            p.set(p.array().toType(dtype, false));
        }
        addParameter(p);
        return p;
    }

    /** The module path of layer {@code i} (e.g. {@code encoder.layer.3.}). */
    @Override
    public String layerPrefix(int i) {
        return prefix + "encoder.layer." + i + ".";
    }

    /** The prefix of the encoder's parameter names: {@code bert.}, {@code roberta.} or empty. */
    public String prefix() {
        return prefix;
    }

    public boolean hasClassifier() {
        return classifier != null;
    }

    public boolean usesTokenTypes() {
        return tokenTypeEmbeddings != null && !roberta;
    }

    @Override
    public Map<String, Linear> linears() {
        List<Linear> ls = new ArrayList<>();
        for (HiddenBlock b : layers) {
            ls.addAll(b.linears());
        }
        if (pooler != null) {
            ls.add(pooler);
        }
        if (classifierDense != null) {
            ls.add(classifierDense);
        }
        if (classifier != null) {
            ls.add(classifier);
        }
        return collect(ls);
    }

    public Linear classifier() {
        return classifier;
    }

    public Linear classifierDense() {
        return classifierDense;
    }

    public Linear pooler() {
        return pooler;
    }

    /** Embedding output: word + position (+ token type) embeddings, LayerNorm, dropout. */
    public NDArray embed(NDArray ids, NDArray typeIds, ForwardContext ctx) {
        NDManager m = ctx.manager();
        long b = ids.getShape().get(0);
        long s = ids.getShape().get(1);
        NDArray positions;
        if (roberta) {
            // position ids count the non-padding tokens, offset past padding_idx
            NDArray notPad = ids.neq(padId).toType(DataType.INT64, false);
            positions = notPad.cumSum(1).mul(notPad).add(padId);
        } else {
            positions = m.arange(0L, s, 1L, DataType.INT64).reshape(1, s).broadcast(b, s);
        }
        NDArray x = Embedding.embedding(ids, wordEmbeddings.array(), SparseFormat.DENSE).singletonOrThrow();
        x = x.add(Embedding.embedding(positions, positionEmbeddings.array(), SparseFormat.DENSE).singletonOrThrow());
        if (tokenTypeEmbeddings != null) {
            NDArray types = typeIds != null ? typeIds : m.zeros(ids.getShape(), DataType.INT64);
            x = x.add(Embedding.embedding(types, tokenTypeEmbeddings.array(), SparseFormat.DENSE).singletonOrThrow());
        }
        x = embeddingNorm.forward(x);
        return BertLayer.dropout(x, hiddenDropout, ctx);
    }

    /** Additive attention bias [B, 1, 1, S]: 0 for tokens, -10000 for padding (as the ONNX export writes it). */
    static NDArray paddingBias(NDArray mask) {
        long b = mask.getShape().get(0);
        long s = mask.getShape().get(1);
        return mask.toType(DataType.FLOAT32, false).neg().add(1f).mul(-10000f).reshape(b, 1, 1, s);
    }

    /**
     * Runs the encoder. {@code ids}, {@code mask}, {@code typeIds} are [B, S] int64 arrays
     * ({@code typeIds} may be null). Intermediates and outputs belong to {@code ctx.manager()}.
     */
    public Output forward(NDArray ids, NDArray mask, NDArray typeIds, ForwardContext ctx, boolean allHidden) {
        ctx.attentionBias = paddingBias(mask);
        NDArray x = embed(ids, typeIds, ctx);
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
        NDArray first = x.get(new NDIndex(":, 0, :"));
        NDArray pooled = pooler == null ? null : pooler.forward(first, ctx).tanh();
        NDArray logits = null;
        if (classifier != null) {
            if (classifierDense != null) {
                NDArray h = BertLayer.dropout(first, hiddenDropout, ctx);
                h = classifierDense.forward(h, ctx).tanh();
                logits = classifier.forward(BertLayer.dropout(h, hiddenDropout, ctx), ctx);
            } else if (pooled != null) {
                logits = classifier.forward(BertLayer.dropout(pooled, hiddenDropout, ctx), ctx);
            }
        }
        return new Output(x, hs, pooled, logits);
    }

    /** Convenience: forward on host arrays. */
    public Output forward(long[][] ids, long[][] mask, long[][] typeIds, ForwardContext ctx, boolean allHidden) {
        NDManager m = ctx.manager();
        return forward(m.create(ids), m.create(mask), typeIds == null ? null : m.create(typeIds), ctx, allHidden);
    }

    /** Mean of the token states over the attention mask (sentence-transformers pooling). */
    public static NDArray meanPool(NDArray hidden, NDArray mask) {
        NDArray m = mask.toType(hidden.getDataType(), false).expandDims(2);
        return hidden.mul(m).sum(new int[] {1}).div(m.sum(new int[] {1}).maximum(1e-9f));
    }


    /** {@link #toOnnx(boolean, int, Pooling, boolean)} without pooling. */
    public io.linforge.core.onnx.proto.Onnx.ModelProto toOnnx(boolean fp16, int opset) {
        return toOnnx(fp16, opset, Pooling.NONE, false);
    }

    /**
     * The encoder as an ONNX graph: inputs {@code input_ids}, {@code attention_mask} (and
     * {@code token_type_ids} for BERT) [batch, sequence] int64; outputs {@code last_hidden_state}
     * [batch, sequence, hidden] fp32 (and {@code logits} [batch, labels] with a classifier head).
     * With {@code pooling} other than NONE the only output is {@code sentence_embedding}
     * [batch, hidden] fp32, pooled from the fp32 hidden states and, with {@code normalize},
     * divided by max(|x|, 1e-12).
     */
    public io.linforge.core.onnx.proto.Onnx.ModelProto toOnnx(boolean fp16, int opset, Pooling pooling, boolean normalize) {
        return toOnnx(fp16, opset, pooling, normalize, false);
    }

    /**
     * As {@link #toOnnx(boolean, int, Pooling, boolean)}; {@code flatTokens} lays the hidden states
     * out as [tokens, hidden] (for TensorRT, see {@code OnnxEmitter.flatTokens}) instead of
     * [tokens, 1, hidden] (for ONNX Runtime's fusions).
     */
    public io.linforge.core.onnx.proto.Onnx.ModelProto toOnnx(boolean fp16, int opset, Pooling pooling, boolean normalize,
            boolean flatTokens) {
        return toOnnx(fp16, opset, pooling, normalize, flatTokens, false);
    }

    /** As above; {@code halfSoftmax} keeps attention scores and softmax in fp16 (see {@code OnnxEmitter.halfSoftmax}). */
    public io.linforge.core.onnx.proto.Onnx.ModelProto toOnnx(boolean fp16, int opset, Pooling pooling, boolean normalize,
            boolean flatTokens, boolean halfSoftmax) {
        return toGraph(fp16, opset, pooling, normalize, flatTokens, halfSoftmax).build();
    }

    /**
     * The graph of {@link #toOnnx(boolean, int, Pooling, boolean, boolean, boolean)} before it is
     * built: its weights are converted only when it is built or saved.
     */
    public io.linforge.core.onnx.GraphBuilder toGraph(boolean fp16, int opset, Pooling pooling, boolean normalize,
            boolean flatTokens, boolean halfSoftmax) {
        pooling.check(normalize, classifier != null);
        var g = new io.linforge.core.onnx.GraphBuilder(config.modelType(), opset);
        var e = new io.linforge.model.OnnxEmitter(g, fp16);
        var I64 = io.linforge.core.tensor.DType.I64;
        var F32 = io.linforge.core.tensor.DType.F32;
        String ids = g.input(TensorNames.INPUT_IDS, I64, "batch", "sequence");
        String mask = g.input(TensorNames.ATTENTION_MASK, I64, "batch", "sequence");
        String types = usesTokenTypes() ? g.input(TensorNames.TOKEN_TYPE_IDS, I64, "batch", "sequence") : null;
        String p = "/" + prefix.replace(".", "") + (prefix.isEmpty() ? "" : "/") + "embeddings";
        p = p.replace("//", "/");
        int h = config.hiddenSize();
        int heads = config.numAttentionHeads();
        // hidden states flow as [tokens, 1, hidden] (see OnnxEmitter.tokenLayout): sequence-major
        // before opset 23, batch-major from 23; [tokens, hidden] (TensorRT) batch-major, with the
        // attention split per head as [batch, heads, sequence, head size]
        e.tokenLayout = true;
        e.flatTokens = flatTokens;
        e.halfSoftmax = halfSoftmax && fp16;
        boolean seqMajor = opset < 23 && !flatTokens;
        String shape = e.node("Shape", "/shape/Shape", ids);
        if (flatTokens && opset < 23) {
            e.tokenGrid = shape;
        }
        String batch = e.node("Slice", "/shape/Slice", shape, g.constInts(0), g.constInts(1));
        String seq = e.node("Slice", "/shape/Slice_1", shape, g.constInts(1), g.constInts(2));
        e.sequenceShape = e.node("Concat", "/shape/Concat", seqMajor ? java.util.List.of(seq, batch, g.constInts(h))
                : java.util.List.of(batch, seq, g.constInts(h)), java.util.Map.of("axis", 0));
        if (seqMajor) {
            e.headShape = e.node("Concat", "/shape/Concat_1", java.util.List.of(seq, g.constInts(-1), g.constInts(h / heads)),
                    java.util.Map.of("axis", 0));
        }
        var swap = java.util.Map.<String, Object>of("perm", new long[] {1, 0});
        String flat = e.tokenShape(h);
        String tokenIds = seqMajor ? e.node("Transpose", p + "/Transpose", java.util.List.of(ids), swap) : ids;
        String x = e.node("Gather", p + "/word_embeddings/Gather", e.weight(wordEmbeddings, false, false), tokenIds);
        String pos;
        if (roberta) {
            String notPad = e.node("Cast", p + "/Cast", java.util.List.of(e.node("Not", p + "/Not",
                    e.node("Equal", p + "/Equal", ids, g.constScalar(padId)))), java.util.Map.of("to", I64.onnxType()));
            String cum = e.node("CumSum", p + "/CumSum", notPad, g.constScalar(1));
            String positions = e.node("Add", p + "/Add_pos", e.node("Mul", p + "/Mul", cum, notPad), g.constScalar(padId));
            if (seqMajor) {
                positions = e.node("Transpose", p + "/Transpose_pos", java.util.List.of(positions), swap);
            }
            pos = e.node("Gather", p + "/position_embeddings/Gather", e.weight(positionEmbeddings, false, false), positions);
        } else {
            // positions 0..S-1: [S, hidden], broadcast over the batch ([S, 1, hidden] when sequence-major)
            String positions = e.node("Range", p + "/Range", g.constScalar(0),
                    e.node("Squeeze", p + "/Squeeze", java.util.List.of(seq), java.util.Map.of()), g.constScalar(1));
            pos = e.node("Gather", p + "/position_embeddings/Gather", e.weight(positionEmbeddings, false, false), positions);
            if (seqMajor) {
                pos = e.unsqueeze(pos, p + "/Unsqueeze", 1);
            }
        }
        x = e.tokens(e.node("Reshape", p + "/Reshape", e.node("Add", p + "/Add", x, pos), flat), h);
        if (tokenTypeEmbeddings != null) {
            String t = types != null ? types : e.node("Mul", p + "/Mul_types", ids, g.constScalar(0));
            if (seqMajor) {
                t = e.node("Transpose", p + "/Transpose_types", java.util.List.of(t), swap);
            }
            t = e.node("Gather", p + "/token_type_embeddings/Gather", e.weight(tokenTypeEmbeddings, false, false), t);
            x = e.tokens(e.node("Add", p + "/Add_1", x, e.tokens(e.node("Reshape", p + "/Reshape_1", t, flat), h)), h);
        }
        x = e.tokens(embeddingNorm.emit(e, x, p + "/LayerNorm"), h);
        // additive padding bias, fp32, computed once for all layers: [B, 1, 1, S] ...
        String u = e.unsqueeze(mask, "/attention_bias/Unsqueeze", 1);
        u = e.unsqueeze(u, "/attention_bias/Unsqueeze_1", 2);
        String m = e.node("Cast", "/attention_bias/Cast", java.util.List.of(u), java.util.Map.of("to", F32.onnxType()));
        String inv = e.node("Sub", "/attention_bias/Sub", e.constF32(1f), m);
        e.attentionBias = e.node("Mul", "/attention_bias/Mul", inv, e.constF32(-10000f));
        if (seqMajor) {
            // ... as [B·heads, 1, S] for the scores [B·heads, S, S]
            String per = e.node("Expand", "/attention_bias/Expand", e.attentionBias, e.node("Concat", "/attention_bias/Concat",
                    java.util.List.of(batch, g.constInts(heads, 1), seq), java.util.Map.of("axis", 0)));
            e.attentionBias = e.node("Reshape", "/attention_bias/Reshape", per, e.node("Concat", "/attention_bias/Concat_1",
                    java.util.List.of(g.constInts(-1, 1), seq), java.util.Map.of("axis", 0)));
        } else if (opset < 23) {
            // ... as [B, 1, 1, S] for the scores [B, heads, S, S] (batch-major [tokens, hidden])
        } else {
            // ... as [B, 1, S, S] in the activation type for the Attention op
            String full = e.node("Concat", "/attention_bias/Concat", java.util.List.of(batch, g.constInts(1), seq, seq),
                    java.util.Map.of("axis", 0));
            e.attentionBias = e.toAct(e.node("Expand", "/attention_bias/Expand", e.attentionBias, full),
                    "/attention_bias/Cast_1");
        }
        for (HiddenBlock layer : layers) {
            x = layer.emit(e, x);
        }
        x = e.node("Reshape", "/encoder/Reshape", x, e.sequenceShape);
        if (seqMajor) {
            x = e.node("Transpose", "/encoder/Transpose", java.util.List.of(x), java.util.Map.of("perm", new long[] {1, 0, 2}));
        }
        if (pooling != Pooling.NONE) {
            emitPooling(e, x, mask, pooling, normalize);
            g.metadata(Pooling.METADATA_KEY, pooling.id());
            g.metadata("linforge.normalize", Boolean.toString(normalize));
            g.metadata("linforge.model_type", config.modelType());
            g.metadata("linforge.precision", fp16 ? "fp16" : "fp32");
            return g;
        }
        g.nodeNamed(fp16 ? "Cast" : "Identity", "/last_hidden_state", java.util.List.of(x),
                java.util.List.of(TensorNames.LAST_HIDDEN_STATE), fp16 ? java.util.Map.of("to", F32.onnxType()) : java.util.Map.of());
        g.output(TensorNames.LAST_HIDDEN_STATE, F32, "batch", "sequence", h);
        if (classifier != null) {
            String first = e.node("Gather", "/head/Gather", java.util.List.of(x, g.constScalar(0)), java.util.Map.of("axis", 1));
            String logits;
            if (classifierDense != null) {
                logits = e.linear(classifier, e.node("Tanh", "/classifier/Tanh", e.linear(classifierDense, first)));
            } else {
                logits = e.linear(classifier, e.node("Tanh", "/pooler/Tanh", e.linear(pooler, first)));
            }
            g.nodeNamed(fp16 ? "Cast" : "Identity", "/logits", java.util.List.of(logits), java.util.List.of(TensorNames.LOGITS),
                    fp16 ? java.util.Map.of("to", F32.onnxType()) : java.util.Map.of());
            g.output(TensorNames.LOGITS, F32, "batch", config.numLabels());
        }
        g.metadata("linforge.model_type", config.modelType());
        g.metadata("linforge.precision", fp16 ? "fp16" : "fp32");
        return g;
    }

    /** ReduceSum over {@code axis}: axes as an attribute before opset 13, as an input from 13. */
    private static String reduceSum(io.linforge.model.OnnxEmitter e, String x, String name, long axis, boolean keep) {
        var g = e.graph();
        if (g.opset() >= 13) {
            return e.node("ReduceSum", name, java.util.List.of(x, g.constInts(axis)), java.util.Map.of("keepdims", keep ? 1 : 0));
        }
        return e.node("ReduceSum", name, java.util.List.of(x), java.util.Map.of("axes", new long[] {axis}, "keepdims",
                keep ? 1 : 0));
    }

    /**
     * {@code sentence_embedding} [batch, hidden] fp32 from the hidden states {@code x} [batch,
     * sequence, hidden] (activation type) and the int64 mask: mean = sum(x · mask) / max(sum(mask),
     * 1e-9), cls = token 0; normalize = v / max(sqrt(sum(v²)), 1e-12). Standard ops, valid at every
     * opset from 12 (no ReduceL2, whose form changes at 18).
     */
    private void emitPooling(io.linforge.model.OnnxEmitter e, String x, String mask, Pooling pooling, boolean normalize) {
        var g = e.graph();
        var F32 = io.linforge.core.tensor.DType.F32;
        String v;
        if (pooling == Pooling.CLS) {
            v = e.toF32(e.node("Gather", "/pooling/Gather", java.util.List.of(x, g.constScalar(0)), java.util.Map.of("axis", 1)),
                    "/pooling/Cast");
        } else if (e.flatTokens) {
            // TensorRT exports: the masked sum as one batched product, mask [B, 1, S] × hidden [B, S, h]
            // (the mask's 0/1 are exact in fp16), divided by the count in fp32
            String m = e.cast(e.unsqueeze(mask, "/pooling/Unsqueeze", 1), F32, "/pooling/Cast_1");
            String sum = e.node("MatMul", "/pooling/MatMul", e.toAct(m, "/pooling/Cast_2"), x);
            sum = e.toF32(e.node("Reshape", "/pooling/Reshape", sum, g.constInts(-1, config.hiddenSize())), "/pooling/Cast");
            String count = reduceSum(e, m, "/pooling/ReduceSum_1", 2, false);
            v = e.node("Div", "/pooling/Div", sum, e.node("Max", "/pooling/Max", count, e.constF32(1e-9f)));
        } else {
            String h32 = e.toF32(x, "/pooling/Cast");
            String m = e.cast(e.unsqueeze(mask, "/pooling/Unsqueeze", 2), F32, "/pooling/Cast_1");
            String sum = reduceSum(e, e.node("Mul", "/pooling/Mul", h32, m), "/pooling/ReduceSum", 1, false);
            String count = reduceSum(e, m, "/pooling/ReduceSum_1", 1, false);
            v = e.node("Div", "/pooling/Div", sum, e.node("Max", "/pooling/Max", count, e.constF32(1e-9f)));
        }
        if (normalize) {
            String ss = reduceSum(e, e.node("Mul", "/normalize/Mul", v, v), "/normalize/ReduceSum", 1, true);
            String norm = e.node("Max", "/normalize/Max", e.node("Sqrt", "/normalize/Sqrt", ss), e.constF32(1e-12f));
            v = e.node("Div", "/normalize/Div", v, norm);
        }
        g.nodeNamed("Identity", "/" + TensorNames.SENTENCE_EMBEDDING, java.util.List.of(v), java.util.List.of(TensorNames.SENTENCE_EMBEDDING),
                java.util.Map.of());
        g.output(TensorNames.SENTENCE_EMBEDDING, F32, "batch", config.hiddenSize());
    }
}
