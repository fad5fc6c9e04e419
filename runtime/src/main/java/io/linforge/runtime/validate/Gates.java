package io.linforge.runtime.validate;

/**
 * Requested gates; {@code null} means not requested. Accuracy drop is a fraction (0.01 = one
 * point), cosine is the mean cosine (pooled embeddings, or logits for classifiers), the perplexity
 * ratio is candidate / reference.
 */
public record Gates(Double maxAccuracyDrop, Double minCosine, Double maxPerplexityRatio) {
    public static Gates none() {
        return new Gates(null, null, null);
    }
}
