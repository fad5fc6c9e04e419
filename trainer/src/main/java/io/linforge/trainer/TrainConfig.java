package io.linforge.trainer;

import io.linforge.core.LinforgeException;
import io.linforge.trainer.optim.Schedule;
import java.util.List;

/**
 * Training settings shared by the classification and causal-LM trainers.
 *
 * @param method a name in the registry ({@link Methods}): lora, relora, sparsegrad, bitfit, full, dora
 * @param steps optimizer updates
 * @param batch sequences per micro-batch
 * @param accumulate micro-batches per update (gradient accumulation)
 * @param schedule learning-rate schedule (null: linear for classification, cosine for LM,
 *     jagged for ReLoRA)
 * @param linearityWeight λ of the linearity regularizer (0 = off), see {@link LinearityRegularizer}
 */
public record TrainConfig(String method, int steps, int batch, double lr, int seq, int rank, double alpha,
        double loraDropout, boolean rslora, List<String> targets, long seed, int evalEvery, int warmup,
        double weightDecay, double maxGradNorm, int limitTrain, int limitTest, int saveEvery, boolean resume,
        int accumulate, Schedule.Kind schedule, ReLoraOptions relora, SparseGradOptions sparseGrad,
        double linearityWeight) {

    /** The names {@code --method} accepts (the registry's, {@link Methods}). */
    public static final List<String> METHODS = Methods.names();

    /**
     * ReLoRA: merge-and-reinit every {@code every} updates, prune the adapters' optimizer state
     * ({@code reset} = random or magnitude, {@code prune} = fraction zeroed), re-warm the rate over
     * {@code restartWarmup} updates, train full-rank for the first {@code warmStart} updates, and
     * let the cosine envelope fall to {@code minLrRatio}; {@code initA} is the factor A of the low-rank
     * phase's start: random (Kaiming-uniform, the factors train at once) or zero (the authors' code: the
     * factors stay zero until the first merge draws A); {@code warmStartLr} is the peak rate of the warm
     * start (0: the run's rate), the full-rank rate of the run the low-rank phase continues from.
     */
    public record ReLoraOptions(int every, int restartWarmup, String reset, double prune, int warmStart,
            double minLrRatio, String initA, double warmStartLr) {
        public static final List<String> INIT_A = List.of("random", "zero");

        /** With A drawn at the start of the low-rank phase. */
        public ReLoraOptions(int every, int restartWarmup, String reset, double prune, int warmStart, double minLrRatio) {
            this(every, restartWarmup, reset, prune, warmStart, minLrRatio, "random", 0);
        }

        public static ReLoraOptions defaults(int steps) {
            return new ReLoraOptions(Math.max(1, steps / 4), Math.max(1, steps / 50), "magnitude", 0.9, 0, 0.1);
        }
    }

    /**
     * SparseGrad: gradients of the first {@code collectSteps} updates give each MLP layer type its
     * bases; afterwards each MLP weight keeps the {@code keep} largest entries of its rotated
     * gradient per update; {@code variant} = paper (x·Qᵀ) or hosvd (x·Q).
     */
    public record SparseGradOptions(int collectSteps, int keep, String variant) {
        public static SparseGradOptions defaults() {
            return new SparseGradOptions(10, 0, "paper");
        }
    }

    /** The classification settings of earlier releases: no accumulation, default schedule, no extras. */
    public TrainConfig(String method, int steps, int batch, double lr, int seq, int rank, double alpha,
            double loraDropout, boolean rslora, List<String> targets, long seed, int evalEvery, int warmup,
            double weightDecay, double maxGradNorm, int limitTrain, int limitTest, int saveEvery, boolean resume) {
        this(method, steps, batch, lr, seq, rank, alpha, loraDropout, rslora, targets, seed, evalEvery, warmup,
                weightDecay, maxGradNorm, limitTrain, limitTest, saveEvery, resume, 1, null,
                ReLoraOptions.defaults(steps), SparseGradOptions.defaults(), 0);
    }

    /** Exit 2 naming the option when a setting is out of range. */
    public void validate() {
        Method m = Methods.get(method);
        if (steps < 1 || batch < 1 || seq < 8 || lr <= 0 || accumulate < 1) {
            throw LinforgeException.badInput("--steps >= 1, --batch >= 1, --accumulate >= 1, --seq >= 8 and --lr > 0 needed");
        }
        m.validate(this);
    }

    /**
     * A builder with the defaults of {@code linforge train}: 200 steps of 16, the method's learning rate,
     * 128 tokens, r 8, α 16, dropout 0.1, seed 42, 10 % warm-up, weight decay 0.01, clipping at 1, a
     * training checkpoint every 50 steps, the method's schedule, ReLoRA's and SparseGrad's defaults.
     *
     * @param targets the modules adapters go on (PEFT matching)
     */
    public static Builder builder(String method, List<String> targets) {
        return new Builder(method, targets);
    }

    /** Builds a {@link TrainConfig} by field name; see {@link #builder}. */
    public static final class Builder {
        private final String method;
        private final List<String> targets;
        private int steps = 200;
        private int batch = 16;
        private Double lr;
        private int seq = 128;
        private int rank = 8;
        private double alpha = 16;
        private double loraDropout = 0.1;
        private boolean rslora;
        private long seed = 42;
        private int evalEvery;
        private Integer warmup;
        private double weightDecay = 0.01;
        private double maxGradNorm = 1.0;
        private int limitTrain;
        private int limitTest;
        private int saveEvery = 50;
        private boolean resume;
        private int accumulate = 1;
        private Schedule.Kind schedule;
        private ReLoraOptions relora;
        private SparseGradOptions sparseGrad = SparseGradOptions.defaults();
        private double linearityWeight;

        private Builder(String method, List<String> targets) {
            this.method = method;
            this.targets = targets;
        }

        public Builder steps(int v) {
            steps = v;
            return this;
        }

        public Builder batch(int v) {
            batch = v;
            return this;
        }

        /** The peak learning rate (default: the method's, {@link Method#defaultLr()}). */
        public Builder lr(double v) {
            lr = v;
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

        public Builder seed(long v) {
            seed = v;
            return this;
        }

        public Builder evalEvery(int v) {
            evalEvery = v;
            return this;
        }

        /** Warm-up updates (default: a tenth of the steps, at least 1). */
        public Builder warmup(int v) {
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

        public Builder accumulate(int v) {
            accumulate = v;
            return this;
        }

        /** The schedule (null: the method's default for the task). */
        public Builder schedule(Schedule.Kind v) {
            schedule = v;
            return this;
        }

        /** ReLoRA's settings (default: {@link ReLoraOptions#defaults} of the steps). */
        public Builder relora(ReLoraOptions v) {
            relora = v;
            return this;
        }

        public Builder sparseGrad(SparseGradOptions v) {
            sparseGrad = v;
            return this;
        }

        public Builder linearityWeight(double v) {
            linearityWeight = v;
            return this;
        }

        /** The config; an unknown method is exit 2 naming {@code --method}. */
        public TrainConfig build() {
            return new TrainConfig(method, steps, batch, lr != null ? lr : Methods.get(method).defaultLr(), seq, rank,
                    alpha, loraDropout, rslora, targets, seed, evalEvery, warmup != null ? warmup : Math.max(1, steps / 10),
                    weightDecay, maxGradNorm, limitTrain, limitTest, saveEvery, resume, accumulate, schedule,
                    relora != null ? relora : ReLoraOptions.defaults(steps), sparseGrad, linearityWeight);
        }
    }
}
