package io.linforge.api;

import java.nio.file.Path;

/**
 * Options of {@link Linforge#validate}; the fields are the options of {@code linforge validate}, with
 * its defaults ({@link #builder}).
 *
 * @param reference reference ONNX file, TensorRT engine ({@code .plan}) or folder holding {@code model.onnx}
 * @param candidate candidate model, in the same forms
 * @param data JSON lines with {@code text} and {@code label} ({@code split=test} rows are used when present)
 * @param tokenizer {@code tokenizer.json}; null to take the one next to the reference
 * @param maxAccuracyDrop gate: reference accuracy − candidate accuracy ≤ this (fraction); null for no gate
 * @param minCosine gate: mean cosine of the pooled embeddings or logits ≥ this; null for no gate
 * @param maxPerplexityRatio gate: candidate / reference perplexity ≤ this; null for no gate
 * @param limit use the first {@code limit} rows (0: all)
 * @param maxLength tokens per text (default 128)
 * @param batch batch size (default 16)
 * @param provider execution providers in priority order, e.g. {@code cpu} (the default) or {@code cuda,cpu}
 * @param referenceProvider providers of the reference when they differ; null for {@code provider}
 * @param threads intra-op threads (0: ONNX Runtime's choice)
 * @param junit a JUnit XML file to write the gates into, or null
 */
public record ValidateOptions(Path reference, Path candidate, Path data, Path tokenizer, Double maxAccuracyDrop,
        Double minCosine, Double maxPerplexityRatio, int limit, int maxLength, int batch, String provider,
        String referenceProvider, int threads, Path junit) {
    /** {@code candidate} against {@code reference} on {@code data}, no gates, the command line's defaults. */
    public static Builder builder(Path reference, Path candidate, Path data) {
        return new Builder(reference, candidate, data);
    }

    /** Builds {@link ValidateOptions}; every setter mirrors the option of the same name. */
    public static final class Builder {
        private final Path reference;
        private final Path candidate;
        private final Path data;
        private Path tokenizer;
        private Double maxAccuracyDrop;
        private Double minCosine;
        private Double maxPerplexityRatio;
        private int limit;
        private int maxLength = 128;
        private int batch = 16;
        private String provider = "cpu";
        private String referenceProvider;
        private int threads;
        private Path junit;

        private Builder(Path reference, Path candidate, Path data) {
            this.reference = reference;
            this.candidate = candidate;
            this.data = data;
        }

        public Builder tokenizer(Path v) {
            tokenizer = v;
            return this;
        }

        public Builder maxAccuracyDrop(Double v) {
            maxAccuracyDrop = v;
            return this;
        }

        public Builder minCosine(Double v) {
            minCosine = v;
            return this;
        }

        public Builder maxPerplexityRatio(Double v) {
            maxPerplexityRatio = v;
            return this;
        }

        public Builder limit(int v) {
            limit = v;
            return this;
        }

        public Builder maxLength(int v) {
            maxLength = v;
            return this;
        }

        public Builder batch(int v) {
            batch = v;
            return this;
        }

        public Builder provider(String v) {
            provider = v;
            return this;
        }

        public Builder referenceProvider(String v) {
            referenceProvider = v;
            return this;
        }

        public Builder threads(int v) {
            threads = v;
            return this;
        }

        public Builder junit(Path v) {
            junit = v;
            return this;
        }

        public ValidateOptions build() {
            return new ValidateOptions(reference, candidate, data, tokenizer, maxAccuracyDrop, minCosine, maxPerplexityRatio,
                    limit, maxLength, batch, provider, referenceProvider, threads, junit);
        }
    }
}
