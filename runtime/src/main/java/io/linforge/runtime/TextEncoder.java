package io.linforge.runtime;

import io.linforge.core.onnx.Pooling;
import io.linforge.core.LinforgeException;
import io.linforge.core.onnx.TensorNames;
import io.linforge.core.text.Tokenizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Texts to vectors: tokenizes with a {@link Tokenizer}, runs an {@link InferenceSession} in
 * batches, and pools. Embedding models ({@code last_hidden_state}) give L2-normalized mean
 * (attention-mask weighted) or CLS vectors; pooled exports ({@code sentence_embedding}) give
 * their own vectors, L2-normalized (the pooling was chosen at export); classifiers ({@code logits} of rank 2) give logits
 * and probabilities. Neither the session nor the tokenizer is closed by this class.
 */
public final class TextEncoder {
    private final InferenceSession session;
    private final Tokenizer tokenizer;
    private final int maxLength;
    private final int batchSize;

    public TextEncoder(InferenceSession session, Tokenizer tokenizer, int maxLength, int batchSize) {
        if (batchSize < 1 || maxLength < 2) {
            throw new IllegalArgumentException("batchSize >= 1 and maxLength >= 2 needed");
        }
        this.session = session;
        this.tokenizer = tokenizer;
        this.maxLength = maxLength;
        this.batchSize = batchSize;
    }

    public InferenceSession session() {
        return session;
    }

    /** True when the model has a rank-2 {@code logits} output (a sequence classifier). */
    public boolean isClassifier() {
        return session.hasOutput(TensorNames.LOGITS) && session.output(TensorNames.LOGITS).rank() == 2;
    }

    /** The inputs of one tokenized batch, only those the model has (token_type_ids is optional). */
    public Map<String, long[][]> feed(Tokenizer.Batch b) {
        Map<String, long[][]> in = new HashMap<>();
        in.put(TensorNames.INPUT_IDS, b.inputIds());
        in.put(TensorNames.ATTENTION_MASK, b.attentionMask());
        in.put(TensorNames.TOKEN_TYPE_IDS, b.typeIds());
        return session.modelInputs(in);
    }

    /** One batch through the model: the tokenized batch and the requested output. */
    public record BatchOutput(Tokenizer.Batch batch, FloatTensor output) {
    }

    /** Runs {@code texts} in batches and hands each batch's {@code outputName} to {@code sink}. */
    public void forEachBatch(List<String> texts, String outputName, java.util.function.Consumer<BatchOutput> sink) {
        if (!session.hasOutput(outputName)) {
            throw LinforgeException.badInput("the model has no output '" + outputName + "' (outputs: "
                    + session.outputs() + ")");
        }
        for (int start = 0; start < texts.size(); start += batchSize) {
            List<String> chunk = texts.subList(start, Math.min(texts.size(), start + batchSize));
            Tokenizer.Batch b = tokenizer.encode(chunk, maxLength);
            FloatTensor out = session.run(feed(b), Set.of(outputName)).get(outputName);
            sink.accept(new BatchOutput(b, out));
        }
    }

    /** True when the model's vectors come straight from a {@code sentence_embedding} output (a pooled export). */
    public boolean isPooled() {
        return isPooled(session);
    }

    /**
     * How a pooled export pooled its {@code sentence_embedding} (its {@code linforge.pooling}
     * metadata; mean when the export does not say), so that a plain model can be pooled alike.
     */
    public static Pooling exportedPooling(InferenceSession s) {
        return Pooling.ofMetadata(s.metadata().get(Pooling.METADATA_KEY));
    }

    /** True when {@code s} has a {@code sentence_embedding} output and no {@code last_hidden_state}. */
    public static boolean isPooled(InferenceSession s) {
        return s.hasOutput(TensorNames.SENTENCE_EMBEDDING) && !s.hasOutput(TensorNames.LAST_HIDDEN_STATE);
    }

    /**
     * L2-normalized embeddings, one row per text: {@code last_hidden_state} pooled with
     * {@code pooling}, or a pooled export's {@code sentence_embedding} (pooled as exported;
     * {@code pooling} does not apply).
     */
    public float[][] embed(List<String> texts, Pooling pooling) {
        float[][] out = new float[texts.size()][];
        int[] next = {0};
        boolean pooledExport = isPooled();
        forEachBatch(texts, pooledExport ? TensorNames.SENTENCE_EMBEDDING : TensorNames.LAST_HIDDEN_STATE, bo -> {
            float[][] pooled = pooledExport ? rows(bo.output()) : pool(bo.output(), bo.batch().attentionMask(), pooling);
            for (float[] v : pooled) {
                out[next[0]++] = normalize(v);
            }
        });
        return out;
    }

    /** Raw classifier logits {@code [texts][labels]}. */
    public float[][] logits(List<String> texts) {
        if (!isClassifier()) {
            throw LinforgeException.badInput("the model has no rank-2 'logits' output (outputs: " + session.outputs() + ")");
        }
        List<float[]> rows = new ArrayList<>();
        forEachBatch(texts, TensorNames.LOGITS, bo -> {
            FloatTensor t = bo.output();
            int n = t.dim(0);
            int c = t.dim(1);
            for (int i = 0; i < n; i++) {
                float[] r = new float[c];
                System.arraycopy(t.data(), i * c, r, 0, c);
                rows.add(r);
            }
        });
        return rows.toArray(float[][]::new);
    }

    /** Softmax of each row of the logits. */
    public float[][] probabilities(List<String> texts) {
        float[][] l = logits(texts);
        float[][] p = new float[l.length][];
        for (int i = 0; i < l.length; i++) {
            double[] s = softmax(l[i]);
            p[i] = new float[s.length];
            for (int j = 0; j < s.length; j++) {
                p[i][j] = (float) s[j];
            }
        }
        return p;
    }

    /** The rows of a {@code [batch, hidden]} output. */
    public static float[][] rows(FloatTensor t) {
        if (t.rank() != 2) {
            throw new LinforgeException(LinforgeException.FAILURE, "expected a [batch, hidden] output, got "
                    + java.util.Arrays.toString(t.shape()));
        }
        int b = t.dim(0);
        int h = t.dim(1);
        float[][] out = new float[b][h];
        for (int i = 0; i < b; i++) {
            System.arraycopy(t.data(), i * h, out[i], 0, h);
        }
        return out;
    }

    /** Pools {@code hidden [b, s, h]} (not normalized). */
    public static float[][] pool(FloatTensor hidden, long[][] mask, Pooling pooling) {
        if (pooling == Pooling.NONE) {
            throw new IllegalArgumentException("pooling NONE gives no vector per sequence");
        }
        if (hidden.rank() != 3) {
            throw new LinforgeException(LinforgeException.FAILURE, "expected a [batch, seq, hidden] output, got "
                    + java.util.Arrays.toString(hidden.shape()));
        }
        int b = hidden.dim(0);
        int s = hidden.dim(1);
        int h = hidden.dim(2);
        float[] d = hidden.data();
        float[][] out = new float[b][h];
        for (int i = 0; i < b; i++) {
            if (pooling == Pooling.CLS) {
                System.arraycopy(d, i * s * h, out[i], 0, h);
                continue;
            }
            double[] acc = new double[h];
            double w = 0;
            for (int j = 0; j < s; j++) {
                double m = mask[i][j];
                if (m == 0) {
                    continue;
                }
                w += m;
                int base = (i * s + j) * h;
                for (int k = 0; k < h; k++) {
                    acc[k] += m * d[base + k];
                }
            }
            w = Math.max(w, 1e-9);
            for (int k = 0; k < h; k++) {
                out[i][k] = (float) (acc[k] / w);
            }
        }
        return out;
    }

    /** {@code v / |v|} (zero vectors stay zero). */
    public static float[] normalize(float[] v) {
        double n = 0;
        for (float x : v) {
            n += (double) x * x;
        }
        n = Math.sqrt(n);
        float[] o = new float[v.length];
        if (n != 0) { // a NaN or infinite norm gives NaN, never a zero vector
            for (int i = 0; i < v.length; i++) {
                o[i] = (float) (v[i] / n);
            }
        }
        return o;
    }

    public static double[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float x : logits) {
            max = Math.max(max, x);
        }
        double[] p = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < logits.length; i++) {
            p[i] = Math.exp(logits[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    public static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        if (na == 0 || nb == 0) {
            return na == nb ? 1 : 0;
        }
        return dot / Math.sqrt(na * nb);
    }
}
