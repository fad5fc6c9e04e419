package io.linforge.api.training;

import io.linforge.trainer.TrainConfig;
import java.nio.file.Path;
import java.util.List;

/**
 * Options of {@link Training#train}; the fields are the options of {@code linforge train}, with its
 * defaults ({@link #builder}). A null field takes the default that depends on the method or the kind of
 * model, as the command's does.
 *
 * @param model base checkpoint folder (with {@code tokenizer.json}); an encoder is trained as a classifier,
 *     a decoder as a causal language model
 * @param data classification: JSON lines with {@code text}, {@code label} and optional {@code split};
 *     language modelling: UTF-8 plain text
 * @param out output folder: a PEFT adapter folder (lora, classification), a SparseGrad adapter folder
 *     (sparsegrad, classification) or a checkpoint folder
 * @param overwrite replace linforge's files in an existing non-empty {@code out}
 * @param method lora (default), relora, sparsegrad, bitfit, full or dora (the trainer's registry, {@code Methods})
 * @param steps optimizer updates (default 200)
 * @param batch sequences per micro-batch (default 16)
 * @param accumulate micro-batches per update (default 1)
 * @param lr peak learning rate; null: 5e-4 for lora/relora, 5e-5 for full, 1e-3 for bitfit, 1e-4 for sparsegrad
 * @param schedule constant, linear, cosine or jagged; null: linear for classification, cosine for language
 *     modelling, jagged for relora
 * @param seq tokens per text or block (default 128)
 * @param rank LoRA/ReLoRA rank (default 8)
 * @param alpha LoRA/ReLoRA alpha (default 16)
 * @param loraDropout dropout on the LoRA branch (default 0.1)
 * @param rslora scale LoRA by alpha/sqrt(r)
 * @param targetModules module names; null: query, value for encoders, every attention and MLP projection
 *     for decoders
 * @param reloraEvery ReLoRA: merge and restart every N updates; null: steps/4
 * @param restartWarmup ReLoRA: re-warm-up updates after each restart; null: steps/50
 * @param optimizerReset ReLoRA: random or magnitude (default) pruning of the adapters' AdamW state
 * @param resetFraction ReLoRA: fraction of the state zeroed (default 0.9)
 * @param warmStart ReLoRA: full-rank updates before the low-rank phase (default 0)
 * @param minLrRatio ReLoRA: floor of the cosine envelope (default 0.1)
 * @param reloraInitA ReLoRA: the factor A when the low-rank phase starts, random (default) or zero (the factors
 *     learn nothing until the first merge draws A, as in the ReLoRA authors' code)
 * @param warmStartLr ReLoRA: peak rate of the warm start (0, the default: {@code lr}), the full-rank rate of the
 *     run the low-rank phase continues from
 * @param collectSteps SparseGrad: updates whose gradients define the bases (default 10)
 * @param keep SparseGrad: rotated-gradient entries kept per layer and update (0, the default: 1 % of the layer)
 * @param sparseVariant SparseGrad: paper (default) or hosvd
 * @param linearityWeight λ of the linearity regularizer (default 0 = off)
 * @param heldOut language modelling: last fraction of the text held out (default 0.05)
 * @param seed seed (default 42)
 * @param evalEvery evaluate every N steps (0, the default: at the end)
 * @param warmup warm-up steps; null: 10 % of the steps
 * @param weightDecay AdamW decoupled weight decay (default 0.01)
 * @param maxGradNorm global gradient-norm clip (default 1.0)
 * @param limitTrain use the first N training rows (0: all)
 * @param limitTest use the first N test rows, blocks for language modelling (0: all)
 * @param saveEvery write a training checkpoint ({@code <out>.ckpt}) every N steps (default 50)
 * @param resume continue from {@code <out>.ckpt} when it exists; an {@code out} an earlier run wrote is then
 *     this run's own
 */
public record TrainOptions(Path model, Path data, Path out, boolean overwrite, String method, int steps, int batch,
        int accumulate, Double lr, String schedule, int seq, int rank, double alpha, double loraDropout, boolean rslora,
        List<String> targetModules, Integer reloraEvery, Integer restartWarmup, String optimizerReset,
        double resetFraction, int warmStart, double minLrRatio, String reloraInitA, double warmStartLr, int collectSteps, int keep, String sparseVariant,
        double linearityWeight, double heldOut, int seed, int evalEvery, Integer warmup, double weightDecay,
        double maxGradNorm, int limitTrain, int limitTest, int saveEvery, boolean resume) {
    public TrainOptions {
        targetModules = targetModules == null ? null : List.copyOf(targetModules);
    }

    /** {@code model} trained on {@code data} into {@code out}, with the command line's defaults. */
    public static Builder builder(Path model, Path data, Path out) {
        return new Builder(model, data, out);
    }

    /** Builds {@link TrainOptions}; every setter mirrors the option of the same name. */
    public static final class Builder {
        /** The trainer's defaults of the options that do not depend on the number of steps. */
        private static final TrainConfig.ReLoraOptions RELORA = TrainConfig.ReLoraOptions.defaults(1);
        private static final TrainConfig.SparseGradOptions SPARSE_GRAD = TrainConfig.SparseGradOptions.defaults();
        private final Path model;
        private final Path data;
        private final Path out;
        private boolean overwrite;
        private String method = "lora";
        private int steps = 200;
        private int batch = 16;
        private int accumulate = 1;
        private Double lr;
        private String schedule;
        private int seq = 128;
        private int rank = 8;
        private double alpha = 16;
        private double loraDropout = 0.1;
        private boolean rslora;
        private List<String> targetModules;
        private Integer reloraEvery;
        private Integer restartWarmup;
        private String optimizerReset = RELORA.reset();
        private double resetFraction = RELORA.prune();
        private int warmStart = RELORA.warmStart();
        private double minLrRatio = RELORA.minLrRatio();
        private String reloraInitA = RELORA.initA();
        private double warmStartLr = RELORA.warmStartLr();
        private int collectSteps = SPARSE_GRAD.collectSteps();
        private int keep = SPARSE_GRAD.keep();
        private String sparseVariant = SPARSE_GRAD.variant();
        private double linearityWeight;
        private double heldOut = 0.05;
        private int seed = 42;
        private int evalEvery;
        private Integer warmup;
        private double weightDecay = 0.01;
        private double maxGradNorm = 1.0;
        private int limitTrain;
        private int limitTest;
        private int saveEvery = 50;
        private boolean resume;

        private Builder(Path model, Path data, Path out) {
            this.model = model;
            this.data = data;
            this.out = out;
        }

        public Builder overwrite(boolean v) {
            overwrite = v;
            return this;
        }

        public Builder method(String v) {
            method = v;
            return this;
        }

        public Builder steps(int v) {
            steps = v;
            return this;
        }

        public Builder batch(int v) {
            batch = v;
            return this;
        }

        public Builder accumulate(int v) {
            accumulate = v;
            return this;
        }

        public Builder lr(Double v) {
            lr = v;
            return this;
        }

        public Builder schedule(String v) {
            schedule = v;
            return this;
        }

        public Builder seq(int v) {
            seq = v;
            return this;
        }

        public Builder rank(int v) {
            rank = v;
            return this;
        }

        public Builder alpha(double v) {
            alpha = v;
            return this;
        }

        public Builder loraDropout(double v) {
            loraDropout = v;
            return this;
        }

        public Builder rslora(boolean v) {
            rslora = v;
            return this;
        }

        public Builder targetModules(List<String> v) {
            targetModules = v;
            return this;
        }

        public Builder reloraEvery(Integer v) {
            reloraEvery = v;
            return this;
        }

        public Builder restartWarmup(Integer v) {
            restartWarmup = v;
            return this;
        }

        public Builder optimizerReset(String v) {
            optimizerReset = v;
            return this;
        }

        public Builder resetFraction(double v) {
            resetFraction = v;
            return this;
        }

        public Builder warmStart(int v) {
            warmStart = v;
            return this;
        }

        public Builder minLrRatio(double v) {
            minLrRatio = v;
            return this;
        }

        public Builder reloraInitA(String v) {
            reloraInitA = v;
            return this;
        }

        public Builder warmStartLr(double v) {
            warmStartLr = v;
            return this;
        }

        public Builder collectSteps(int v) {
            collectSteps = v;
            return this;
        }

        public Builder keep(int v) {
            keep = v;
            return this;
        }

        public Builder sparseVariant(String v) {
            sparseVariant = v;
            return this;
        }

        public Builder linearityWeight(double v) {
            linearityWeight = v;
            return this;
        }

        public Builder heldOut(double v) {
            heldOut = v;
            return this;
        }

        public Builder seed(int v) {
            seed = v;
            return this;
        }

        public Builder evalEvery(int v) {
            evalEvery = v;
            return this;
        }

        public Builder warmup(Integer v) {
            warmup = v;
            return this;
        }

        public Builder weightDecay(double v) {
            weightDecay = v;
            return this;
        }

        public Builder maxGradNorm(double v) {
            maxGradNorm = v;
            return this;
        }

        public Builder limitTrain(int v) {
            limitTrain = v;
            return this;
        }

        public Builder limitTest(int v) {
            limitTest = v;
            return this;
        }

        public Builder saveEvery(int v) {
            saveEvery = v;
            return this;
        }

        public Builder resume(boolean v) {
            resume = v;
            return this;
        }

        public TrainOptions build() {
            return new TrainOptions(model, data, out, overwrite, method, steps, batch, accumulate, lr, schedule, seq, rank,
                    alpha, loraDropout, rslora, targetModules, reloraEvery, restartWarmup, optimizerReset, resetFraction,
                    warmStart, minLrRatio, reloraInitA, warmStartLr, collectSteps, keep, sparseVariant, linearityWeight, heldOut, seed, evalEvery,
                    warmup, weightDecay, maxGradNorm, limitTrain, limitTest, saveEvery, resume);
        }
    }
}
