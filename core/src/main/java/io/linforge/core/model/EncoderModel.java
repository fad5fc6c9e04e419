package io.linforge.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import io.linforge.core.config.ModelConfig;
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
    private final Linear pooler;
    private final Linear classifier;
    private final Linear classifierDense;
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
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            layers.add(new BertLayer(i, prefix + "encoder.layer." + i + ".", w, h, c.numAttentionHeads(),
                    c.intermediateSize(), c.layerNormEps(), c.hiddenAct(), attnDrop, hiddenDropout));
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
            if (b instanceof BertLayer l) {
                ls.addAll(l.linears());
            }
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

    /** Additive attention bias [B, 1, 1, S]: 0 for tokens, the fp32 minimum for padding. */
    static NDArray paddingBias(NDArray mask) {
        long b = mask.getShape().get(0);
        long s = mask.getShape().get(1);
        return mask.toType(DataType.FLOAT32, false).neg().add(1f).mul(-Float.MAX_VALUE).reshape(b, 1, 1, s);
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

}
