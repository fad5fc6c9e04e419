package io.linforge.trainer;

import io.linforge.core.LinforgeException;
import io.linforge.trainer.optim.Schedule;
import java.util.List;

/**
 * Training settings shared by the classification and causal-LM trainers.
 *
 * @param method lora, relora, sparsegrad, bitfit or full
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

    public static final List<String> METHODS = List.of("lora", "relora", "sparsegrad", "bitfit", "full");

    /**
     * ReLoRA: merge-and-reinit every {@code every} updates, prune the adapters' optimizer state
     * ({@code reset} = random or magnitude, {@code prune} = fraction zeroed), re-warm the rate over
     * {@code restartWarmup} updates, train full-rank for the first {@code warmStart} updates, and
     * let the cosine envelope fall to {@code minLrRatio}; {@code initA} is the factor A of the low-rank
     * phase's start: random (Kaiming-uniform, the factors train at once) or zero (the authors' code: the
     * factors stay zero until the first merge draws A).
     */
    public record ReLoraOptions(int every, int restartWarmup, String reset, double prune, int warmStart,
            double minLrRatio, String initA) {
        public static final List<String> INIT_A = List.of("random", "zero");

        /** With A drawn at the start of the low-rank phase. */
        public ReLoraOptions(int every, int restartWarmup, String reset, double prune, int warmStart, double minLrRatio) {
            this(every, restartWarmup, reset, prune, warmStart, minLrRatio, "random");
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
        if (!METHODS.contains(method)) {
            throw LinforgeException.badInput("--method: '" + method + "' is not one of " + String.join(", ", METHODS));
        }
        if (steps < 1 || batch < 1 || seq < 8 || lr <= 0 || accumulate < 1) {
            throw LinforgeException.badInput("--steps >= 1, --batch >= 1, --accumulate >= 1, --seq >= 8 and --lr > 0 needed");
        }
        if (method.equals("relora")) {
            if (relora.every() < 1 || relora.restartWarmup() < 1 || relora.restartWarmup() >= relora.every()) {
                throw LinforgeException.badInput("--relora-every must be >= 1 and --restart-warmup in [1, relora-every)");
            }
            if (!List.of("random", "magnitude").contains(relora.reset())) {
                throw LinforgeException.badInput("--optimizer-reset: '" + relora.reset() + "' is not random or magnitude");
            }
            if (relora.prune() < 0 || relora.prune() > 1) {
                throw LinforgeException.badInput("--reset-fraction must be in [0, 1]");
            }
            if (relora.warmStart() < 0 || relora.warmStart() >= steps) {
                throw LinforgeException.badInput("--warm-start must be in [0, steps)");
            }
            if (!ReLoraOptions.INIT_A.contains(relora.initA())) {
                throw LinforgeException.badInput("--relora-init-a: '" + relora.initA() + "' is not "
                        + String.join(" or ", ReLoraOptions.INIT_A));
            }
        }
        if (method.equals("sparsegrad")) {
            if (sparseGrad.collectSteps() < 1 || sparseGrad.collectSteps() >= steps) {
                throw LinforgeException.badInput("--collect-steps must be in [1, steps)");
            }
            if (!List.of("paper", "hosvd").contains(sparseGrad.variant())) {
                throw LinforgeException.badInput("--sparse-variant: '" + sparseGrad.variant() + "' is not paper or hosvd");
            }
            if (sparseGrad.keep() < 0) {
                throw LinforgeException.badInput("--keep must be >= 0 (0: 1% of each layer)");
            }
        }
    }
}
