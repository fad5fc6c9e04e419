package io.linforge.runtime.validate;

import io.linforge.core.onnx.Pooling;
import io.linforge.core.LinforgeException;
import io.linforge.core.metric.Logits;
import io.linforge.core.onnx.TensorNames;
import io.linforge.runtime.Generator;
import io.linforge.core.text.Tokenizer;
import io.linforge.runtime.FloatTensor;
import io.linforge.runtime.InferenceSession;
import io.linforge.runtime.TextEncoder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reference versus candidate on the same token ids (the reference's tokenizer). Classifiers:
 * accuracy of each, its drop, and logit agreement (max abs difference, mean cosine, mean
 * KL(ref || cand) of the softmax). Embedding models: cosine of the mean-pooled L2-normalized
 * vectors (mean and min), their max abs difference, and the max abs difference of
 * {@code last_hidden_state} over real tokens. A pooled export's {@code sentence_embedding} is
 * taken as its vector (the other side, if not pooled, is pooled as that export was: mean or CLS) and the hidden-state
 * metric is absent.
 * Language models: perplexity of each (next-token, first {@code maxLength} tokens of each text)
 * and the ratio candidate / reference.
 * <p>
 * A row whose outputs (logits, pooled vector, real tokens' states) hold a NaN or an infinity is
 * counted in {@code nonfinite_rows_reference} / {@code nonfinite_rows_candidate}; it is never a
 * correct prediction, the agreement metrics it enters are NaN (never a finite number), and any
 * such row fails every gate.
 */
public final class Validator {
    private final InferenceSession reference;
    private final InferenceSession candidate;
    private final Tokenizer tokenizer;
    private final int maxLength;
    private final int batchSize;
    private final ModelKind kind;

    public Validator(InferenceSession reference, InferenceSession candidate, Tokenizer tokenizer, int maxLength,
            int batchSize, Object referenceSource, Object candidateSource) {
        this.reference = reference;
        this.candidate = candidate;
        this.tokenizer = tokenizer;
        this.maxLength = maxLength;
        this.batchSize = batchSize;
        this.kind = ModelKind.of(reference, referenceSource);
        ModelKind ck = ModelKind.of(candidate, candidateSource);
        if (ck != kind) {
            throw LinforgeException.badInput(candidateSource, "outputs", "candidate is a " + ck.id()
                    + " model but the reference is a " + kind.id() + " model");
        }
    }

    public ModelKind kind() {
        return kind;
    }

    /**
     * Runs the comparison. {@code labelIds} maps label strings to logit indices (classifiers
     * only; see {@link Labels}).
     */
    public ValidationReport validate(ValidationData data, Map<String, Integer> labelIds, Gates gates) {
        checkGates(gates);
        Map<String, Double> m = new LinkedHashMap<>();
        int[] nonFinite = new int[2]; // rows of the reference, of the candidate
        switch (kind) {
            case CLASSIFIER -> classify(data, labelIds, m, nonFinite);
            case EMBEDDING -> embed(data, m, nonFinite);
            case LANGUAGE_MODEL -> perplexity(data, m, nonFinite);
        }
        m.put("nonfinite_rows_reference", (double) nonFinite[0]);
        m.put("nonfinite_rows_candidate", (double) nonFinite[1]);
        List<GateResult> results = new ArrayList<>();
        if (gates.maxAccuracyDrop() != null) {
            double drop = m.get("accuracy_drop");
            double t = gates.maxAccuracyDrop();
            boolean ok = drop <= t;
            results.add(new GateResult("max-accuracy-drop", "accuracy_drop", drop, t, ok, String.format(
                    "accuracy drop %.4f (reference %.4f, candidate %.4f) %s max %.4f", drop, m.get("reference_accuracy"),
                    m.get("candidate_accuracy"), ok ? "<=" : ">", t)));
        }
        if (gates.minCosine() != null) {
            String metric = kind == ModelKind.CLASSIFIER ? "logit_cosine_mean" : "embedding_cosine_mean";
            double c = m.get(metric);
            double t = gates.minCosine();
            boolean ok = c >= t;
            results.add(new GateResult("min-cosine", metric, c, t, ok, String.format("%s %.6f %s min %.6f",
                    metric, c, ok ? ">=" : "<", t)));
        }
        if (gates.maxPerplexityRatio() != null) {
            double r = m.get("perplexity_ratio");
            double t = gates.maxPerplexityRatio();
            boolean ok = r <= t;
            results.add(new GateResult("max-perplexity-ratio", "perplexity_ratio", r, t, ok, String.format(
                    "perplexity ratio %.4f (reference %.3f, candidate %.3f) %s max %.4f", r, m.get("reference_perplexity"),
                    m.get("candidate_perplexity"), ok ? "<=" : ">", t)));
        }
        if (nonFinite[0] + nonFinite[1] > 0) {
            String why = String.format("non-finite outputs (NaN or infinity) in %d reference and %d candidate rows of %d",
                    nonFinite[0], nonFinite[1], data.rows().size());
            results.replaceAll(g -> new GateResult(g.name(), g.metric(), g.measured(), g.threshold(), false,
                    g.reason() + "; " + why));
        }
        return new ValidationReport(kind, data.rows().size(), m, List.copyOf(results));
    }

    /** Whether {@code d[from..to)} holds only finite numbers. */
    static boolean finite(float[] d, int from, int to) {
        for (int i = from; i < to; i++) {
            if (!Float.isFinite(d[i])) {
                return false;
            }
        }
        return true;
    }

    private void checkGates(Gates g) {
        if (g.maxAccuracyDrop() != null && kind != ModelKind.CLASSIFIER) {
            throw LinforgeException.badInput("--max-accuracy-drop needs classifiers (a 'logits' output of rank 2); "
                    + "these are " + kind.id() + " models");
        }
        if (g.minCosine() != null && kind == ModelKind.LANGUAGE_MODEL) {
            throw LinforgeException.badInput("--min-cosine applies to classifiers and embedding models, not language models");
        }
        if (g.maxPerplexityRatio() != null && kind != ModelKind.LANGUAGE_MODEL) {
            throw LinforgeException.badInput("--max-perplexity-ratio needs language models (a 'logits' output of rank 3); "
                    + "these are " + kind.id() + " models");
        }
    }

    private interface BatchSink {
        void accept(Tokenizer.Batch batch, FloatTensor ref, FloatTensor cand, int offset);
    }

    private void forEachBatch(List<String> texts, String output, BatchSink sink) {
        forEachBatch(texts, output, output, sink);
    }

    private void forEachBatch(List<String> texts, String refOutput, String candOutput, BatchSink sink) {
        TextEncoder re = new TextEncoder(reference, tokenizer, maxLength, batchSize);
        TextEncoder ce = new TextEncoder(candidate, tokenizer, maxLength, batchSize);
        for (int start = 0; start < texts.size(); start += batchSize) {
            List<String> chunk = texts.subList(start, Math.min(texts.size(), start + batchSize));
            Tokenizer.Batch b = tokenizer.encode(chunk, maxLength);
            FloatTensor r = reference.run(re.feed(b), Set.of(refOutput)).get(refOutput);
            FloatTensor c = candidate.run(ce.feed(b), Set.of(candOutput)).get(candOutput);
            sink.accept(b, r, c, start);
        }
    }

    private void classify(ValidationData data, Map<String, Integer> labelIds, Map<String, Double> m, int[] nonFinite) {
        int[] gold = new int[data.rows().size()];
        for (int i = 0; i < gold.length; i++) {
            ValidationData.Row row = data.rows().get(i);
            if (row.label() == null) {
                throw LinforgeException.badInput(data.file(), "line " + row.line() + ": label", "missing (classifiers need labels)");
            }
            Integer id = labelIds.get(row.label());
            if (id == null) {
                throw LinforgeException.badInput(data.file(), "line " + row.line() + ": label", "'" + row.label()
                        + "' is not one of the model's labels " + labelIds.keySet());
            }
            gold[i] = id;
        }
        int[] counts = new int[2];
        double[] agg = new double[3]; // max abs, sum cosine, sum KL
        forEachBatch(data.texts(), TensorNames.LOGITS, (b, r, c, off) -> {
            int n = r.dim(0);
            int k = r.dim(1);
            if (k != c.dim(1)) {
                throw LinforgeException.badInput("candidate has " + c.dim(1) + " logits, reference " + k);
            }
            for (int i = 0; i < n; i++) {
                float[] lr = new float[k];
                float[] lc = new float[k];
                System.arraycopy(r.data(), i * k, lr, 0, k);
                System.arraycopy(c.data(), i * k, lc, 0, k);
                if (gold[off + i] >= k) {
                    throw LinforgeException.badInput(data.file(), "label", "label index " + gold[off + i]
                            + " outside the model's " + k + " logits");
                }
                boolean fr = finite(lr, 0, k);
                boolean fc = finite(lc, 0, k);
                nonFinite[0] += fr ? 0 : 1;
                nonFinite[1] += fc ? 0 : 1;
                counts[0] += fr && Logits.argmax(lr) == gold[off + i] ? 1 : 0;
                counts[1] += fc && Logits.argmax(lc) == gold[off + i] ? 1 : 0;
                for (int j = 0; j < k; j++) {
                    agg[0] = Math.max(agg[0], Math.abs(lr[j] - lc[j]));
                }
                agg[1] += TextEncoder.cosine(lr, lc);
                agg[2] += Logits.kl(lr, lc);
            }
        });
        int n = gold.length;
        double ra = counts[0] / (double) n;
        double ca = counts[1] / (double) n;
        m.put("reference_accuracy", ra);
        m.put("candidate_accuracy", ca);
        m.put("accuracy_drop", ra - ca);
        m.put("logit_max_abs_diff", agg[0]);
        m.put("logit_cosine_mean", agg[1] / n);
        m.put("kl_mean", agg[2] / n);
    }

    private void embed(ValidationData data, Map<String, Double> m, int[] nonFinite) {
        // a pooled export (sentence_embedding) is compared by its vectors; the other side, when it
        // has last_hidden_state, is mean-pooled; token states are compared only when both have them
        boolean refPooled = TextEncoder.isPooled(reference);
        boolean candPooled = TextEncoder.isPooled(candidate);
        boolean hidden = !refPooled && !candPooled;
        // a plain side is pooled the way the pooled side was exported (mean when neither is pooled)
        Pooling plainPooling = refPooled ? TextEncoder.exportedPooling(reference)
                : candPooled ? TextEncoder.exportedPooling(candidate) : Pooling.MEAN;
        double[] agg = {0, Double.POSITIVE_INFINITY, 0, 0}; // sum cos, min cos, max abs hidden, max abs pooled
        forEachBatch(data.texts(), refPooled ? TensorNames.SENTENCE_EMBEDDING : TensorNames.LAST_HIDDEN_STATE,
                candPooled ? TensorNames.SENTENCE_EMBEDDING : TensorNames.LAST_HIDDEN_STATE, (b, r, c, off) -> {
            int hr = r.dim(r.rank() - 1);
            int hc = c.dim(c.rank() - 1);
            if (hr != hc) {
                throw LinforgeException.badInput("candidate hidden size " + hc + " differs from the reference's " + hr);
            }
            float[][] pr = refPooled ? TextEncoder.rows(r) : TextEncoder.pool(r, b.attentionMask(), plainPooling);
            float[][] pc = candPooled ? TextEncoder.rows(c) : TextEncoder.pool(c, b.attentionMask(), plainPooling);
            int h = hr;
            int s = hidden ? r.dim(1) : 0;
            for (int i = 0; i < pr.length; i++) {
                nonFinite[0] += finite(pr[i], 0, h) && tokensFinite(r, b.attentionMask()[i], i, s, h) ? 0 : 1;
                nonFinite[1] += finite(pc[i], 0, h) && tokensFinite(c, b.attentionMask()[i], i, s, h) ? 0 : 1;
                float[] vr = TextEncoder.normalize(pr[i]);
                float[] vc = TextEncoder.normalize(pc[i]);
                double cos = TextEncoder.cosine(vr, vc);
                agg[0] += cos;
                agg[1] = Math.min(agg[1], cos);
                for (int k = 0; k < h; k++) {
                    agg[3] = Math.max(agg[3], Math.abs(vr[k] - vc[k]));
                }
                for (int j = 0; j < s; j++) {
                    if (b.attentionMask()[i][j] == 0) {
                        continue;
                    }
                    int base = (i * s + j) * h;
                    for (int k = 0; k < h; k++) {
                        agg[2] = Math.max(agg[2], Math.abs(r.data()[base + k] - c.data()[base + k]));
                    }
                }
            }
        });
        m.put("embedding_cosine_mean", agg[0] / data.rows().size());
        m.put("embedding_cosine_min", agg[1]);
        if (hidden) {
            m.put("hidden_max_abs_diff", agg[2]);
        }
        m.put("embedding_max_abs_diff", agg[3]);
    }

    /** Whether row {@code i}'s real tokens (of {@code s}; none when 0) have finite states in {@code t}. */
    private static boolean tokensFinite(FloatTensor t, long[] mask, int i, int s, int h) {
        for (int j = 0; j < s; j++) {
            if (mask[j] != 0 && !finite(t.data(), (i * s + j) * h, (i * s + j + 1) * h)) {
                return false;
            }
        }
        return true;
    }

    private void perplexity(ValidationData data, Map<String, Double> m, int[] nonFinite) {
        List<long[]> seqs = new ArrayList<>();
        for (ValidationData.Row row : data.rows()) {
            long[] ids = tokenizer.modelIds(row.text());
            if (ids.length > maxLength) {
                ids = java.util.Arrays.copyOf(ids, maxLength);
            }
            if (ids.length >= 2) {
                seqs.add(ids);
            }
        }
        if (seqs.isEmpty()) {
            throw LinforgeException.badInput(data.file(), "text", "no row has two or more tokens");
        }
        double[] nll = new double[2];
        long tokens = 0;
        for (int start = 0; start < seqs.size(); start += batchSize) {
            List<long[]> chunk = seqs.subList(start, Math.min(seqs.size(), start + batchSize));
            int s = chunk.stream().mapToInt(a -> a.length).max().orElse(0);
            long[][] ids = new long[chunk.size()][s];
            long[][] mask = new long[chunk.size()][s];
            for (int i = 0; i < chunk.size(); i++) {
                long[] a = chunk.get(i);
                java.util.Arrays.fill(ids[i], tokenizer.padId());
                System.arraycopy(a, 0, ids[i], 0, a.length);
                java.util.Arrays.fill(mask[i], 0, a.length, 1);
                tokens += a.length - 1;
            }
            long[][] pos = new long[chunk.size()][s];
            for (long[] p : pos) {
                for (int t = 0; t < s; t++) {
                    p[t] = t;
                }
            }
            Map<String, long[][]> in = new LinkedHashMap<>();
            in.put(TensorNames.INPUT_IDS, ids);
            in.put(TensorNames.ATTENTION_MASK, mask);
            in.put(TensorNames.POSITION_IDS, pos);
            FloatTensor lr = reference.run(reference.modelInputs(in), Generator.emptyCache(reference, chunk.size()),
                    Set.of(TensorNames.LOGITS)).get(TensorNames.LOGITS);
            FloatTensor lc = candidate.run(candidate.modelInputs(in), Generator.emptyCache(candidate, chunk.size()),
                    Set.of(TensorNames.LOGITS)).get(TensorNames.LOGITS);
            nll[0] += nll(lr, chunk);
            nll[1] += nll(lc, chunk);
            for (int i = 0; i < chunk.size(); i++) {
                int from = i * s * lr.dim(2);
                int to = from + (chunk.get(i).length - 1) * lr.dim(2);
                nonFinite[0] += finite(lr.data(), from, to) ? 0 : 1;
                nonFinite[1] += finite(lc.data(), from, to) ? 0 : 1;
            }
        }
        double pr = Math.exp(nll[0] / tokens);
        double pc = Math.exp(nll[1] / tokens);
        m.put("reference_perplexity", pr);
        m.put("candidate_perplexity", pc);
        m.put("perplexity_ratio", pc / pr);
        m.put("tokens", (double) tokens);
    }

    /** Summed next-token negative log-likelihood of each sequence's real tokens. */
    static double nll(FloatTensor logits, List<long[]> seqs) {
        int s = logits.dim(1);
        int v = logits.dim(2);
        double total = 0;
        float[] d = logits.data();
        for (int i = 0; i < seqs.size(); i++) {
            long[] ids = seqs.get(i);
            for (int t = 0; t + 1 < ids.length; t++) {
                int base = (i * s + t) * v;
                double max = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < v; k++) {
                    max = Math.max(max, d[base + k]);
                }
                double sum = 0;
                for (int k = 0; k < v; k++) {
                    sum += Math.exp(d[base + k] - max);
                }
                int next = (int) ids[t + 1];
                if (next < 0 || next >= v) {
                    throw LinforgeException.badInput("token id " + next + " outside the model's vocabulary of " + v);
                }
                total += max + Math.log(sum) - d[base + next];
            }
        }
        return total;
    }
}
