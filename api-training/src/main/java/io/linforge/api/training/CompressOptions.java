package io.linforge.api.training;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Options of {@link Training#compress}; the fields are the options of {@code linforge compress}, with its
 * defaults ({@link #builder}). A null field is not given: it takes the command's default, and an option
 * that does not fit the model or the healing (a classifier's {@code maxPerplexityRatio}, {@code healSteps}
 * without {@code heal}) is refused only when given.
 *
 * @param model classifier checkpoint (or base + {@code adapters}), or decoder checkpoint
 * @param adapters PEFT adapter folders folded in first, in order
 * @param data classifier: JSON lines with {@code text}, {@code label}, {@code split}; decoder: UTF-8 plain
 *     text, packed into blocks of {@code seq} tokens as in training
 * @param out compressed checkpoint folder
 * @param overwrite replace linforge's files in an existing non-empty {@code out}
 * @param maxAccuracyDrop classifier: largest allowed validation accuracy drop (fraction); null: 0.01
 * @param maxPerplexityRatio decoder: largest allowed validation perplexity over the original's; null: 1.05
 * @param maxBlocks replace at most this many layers; null: all that fit the budget
 * @param samples calibration texts (decoder: training blocks) for the fits (default 128)
 * @param validation validation rows (decoder: blocks) held out of the training part (default 200)
 * @param heldOut decoder: last fraction of the text kept as the test split; null: 0.05
 * @param seq tokens per text or block (default 128)
 * @param seed seed (default 42)
 * @param heal none (default), lora or distill; the healing is folded into the weights
 * @param healSteps healing steps of 16 rows or blocks; null: 20
 * @param healLr healing learning rate; null: 3e-4
 * @param distillAlpha distill: weight of the KL term, 1 − it weighs the cross-entropy; null: 0.5
 * @param distillTemperature distill: softmax temperature of the KL term; null: 2
 */
public record CompressOptions(Path model, List<Path> adapters, Path data, Path out, boolean overwrite,
        Double maxAccuracyDrop, Double maxPerplexityRatio, Integer maxBlocks, int samples, int validation, Double heldOut,
        int seq, int seed, String heal, Integer healSteps, Double healLr, Double distillAlpha, Double distillTemperature) {
    public CompressOptions {
        adapters = List.copyOf(adapters);
    }

    /** {@code model} compressed on {@code data} into {@code out}, with the command line's defaults. */
    public static Builder builder(Path model, Path data, Path out) {
        return new Builder(model, data, out);
    }

    /** Builds {@link CompressOptions}; every setter mirrors the option of the same name. */
    public static final class Builder {
        private final Path model;
        private final Path data;
        private final Path out;
        private final List<Path> adapters = new ArrayList<>();
        private boolean overwrite;
        private Double maxAccuracyDrop;
        private Double maxPerplexityRatio;
        private Integer maxBlocks;
        private int samples = 128;
        private int validation = 200;
        private Double heldOut;
        private int seq = 128;
        private int seed = 42;
        private String heal = "none";
        private Integer healSteps;
        private Double healLr;
        private Double distillAlpha;
        private Double distillTemperature;

        private Builder(Path model, Path data, Path out) {
            this.model = model;
            this.data = data;
            this.out = out;
        }

        public Builder adapter(Path a) {
            adapters.add(a);
            return this;
        }

        public Builder adapters(List<Path> a) {
            adapters.addAll(a);
            return this;
        }

        public Builder overwrite(boolean v) {
            overwrite = v;
            return this;
        }

        public Builder maxAccuracyDrop(Double v) {
            maxAccuracyDrop = v;
            return this;
        }

        public Builder maxPerplexityRatio(Double v) {
            maxPerplexityRatio = v;
            return this;
        }

        public Builder maxBlocks(Integer v) {
            maxBlocks = v;
            return this;
        }

        public Builder samples(int v) {
            samples = v;
            return this;
        }

        public Builder validation(int v) {
            validation = v;
            return this;
        }

        public Builder heldOut(Double v) {
            heldOut = v;
            return this;
        }

        public Builder seq(int v) {
            seq = v;
            return this;
        }

        public Builder seed(int v) {
            seed = v;
            return this;
        }

        public Builder heal(String v) {
            heal = v;
            return this;
        }

        public Builder healSteps(Integer v) {
            healSteps = v;
            return this;
        }

        public Builder healLr(Double v) {
            healLr = v;
            return this;
        }

        public Builder distillAlpha(Double v) {
            distillAlpha = v;
            return this;
        }

        public Builder distillTemperature(Double v) {
            distillTemperature = v;
            return this;
        }

        public CompressOptions build() {
            return new CompressOptions(model, adapters, data, out, overwrite, maxAccuracyDrop, maxPerplexityRatio, maxBlocks,
                    samples, validation, heldOut, seq, seed, heal, healSteps, healLr, distillAlpha, distillTemperature);
        }
    }
}
