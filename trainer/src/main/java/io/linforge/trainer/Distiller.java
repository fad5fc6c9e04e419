package io.linforge.trainer;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.core.LinforgeException;
import io.linforge.core.metric.Logits;
import io.linforge.core.text.Tokenizer;
import io.linforge.model.DecoderModel;
import io.linforge.model.EncoderModel;
import io.linforge.model.ForwardContext;
import io.linforge.model.HiddenBlock;
import io.linforge.model.Linear;
import io.linforge.model.Parameter;
import io.linforge.model.Scalars;
import io.linforge.trainer.data.ClassificationData;
import io.linforge.trainer.data.DataOrder;
import io.linforge.trainer.optim.Schedule;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Knowledge distillation of a classifier into a modified copy of itself (e.g. one whose layers
 * were replaced by fitted linear maps): LoRA adapters on every linear layer of the student's
 * blocks (the remaining transformer layers and the fitted maps) and its classification head
 * trained in full, against
 *
 * <pre>
 *   L = α · T² · KL(softmax(z_t / T) ‖ softmax(z_s / T)) + (1 − α) · CE(z_s, y)
 * </pre>
 *
 * where z_t are the teacher's logits (eval mode, no gradients), z_s the student's (train mode),
 * y the labels, T the temperature. The T² keeps the gradient scale of the soft term independent
 * of T (its gradient with respect to z_s is T·(softmax(z_s/T) − softmax(z_t/T)) per row). After
 * training the adapters are folded into the student's weights ({@code W ← W + s·B·A}), so the
 * student keeps its architecture. The training is a task of the shared loop ({@link TrainLoop}),
 * with the registry's LoRA method: gradient accumulation, training checkpoints and bit-identical
 * resume, the non-finite guard and progress are the loop's. Seeded: LoRA initialisation, data
 * order and dropout masks follow from the seed.
 *
 * <p>For decoders the same KL term ({@link #kl}) is taken over every position's next-token
 * distribution ({@link #causalLmLoss}), and the training runs in the shared loop as a
 * {@link TrainLoop.Task} ({@link #causalLmTask}, used by {@link CausalLmTrainer} with a teacher).
 */
public final class Distiller {
    /**
     * Settings; {@code alpha} weighs the distillation term against the label cross-entropy;
     * {@code accumulate} micro-batches of {@code batch} rows make an update, a training checkpoint is
     * kept every {@code saveEvery} updates (0: none), and {@code resume} continues from it.
     */
    public record Config(int steps, int batch, double lr, int seq, int rank, double loraAlpha, double loraDropout,
            double temperature, double alpha, long seed, int warmup, double weightDecay, double maxGradNorm,
            int accumulate, int saveEvery, boolean resume) {
        /** Rank 8, scaling 2, dropout 0.1, 10 % warm-up, weight decay 0.01, clipping at 1, no accumulation or checkpoints. */
        public static Config of(int steps, int batch, double lr, int seq, double temperature, double alpha, long seed) {
            return new Config(steps, batch, lr, seq, 8, 16, 0.1, temperature, alpha, seed, Math.max(1, steps / 10), 0.01,
                    1.0, 1, 0, false);
        }

        /** These settings with {@code n} micro-batches of {@code batch} rows per update. */
        public Config accumulating(int n) {
            return new Config(steps, batch, lr, seq, rank, loraAlpha, loraDropout, temperature, alpha, seed, warmup,
                    weightDecay, maxGradNorm, n, saveEvery, resume);
        }

        /** These settings with a training checkpoint every {@code every} updates, continued from it when {@code again}. */
        public Config checkpointing(int every, boolean again) {
            return new Config(steps, batch, lr, seq, rank, loraAlpha, loraDropout, temperature, alpha, seed, warmup,
                    weightDecay, maxGradNorm, accumulate, every, again);
        }

        /** The loop's settings: the registry's LoRA on {@code targets}, a linear schedule. */
        TrainConfig trainConfig(List<String> targets) {
            return TrainConfig.builder("lora", targets).steps(steps).batch(batch).lr(lr).seq(seq).rank(rank)
                    .alpha(loraAlpha).loraDropout(loraDropout).seed(seed).warmup(warmup).weightDecay(weightDecay)
                    .maxGradNorm(maxGradNorm).accumulate(accumulate).saveEvery(saveEvery).resume(resume)
                    .schedule(Schedule.Kind.LINEAR).build();
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private Distiller() {
    }

    /** Checks the settings; bad values are bad input (exit 2) naming the flag. */
    public static void check(Config c) {
        if (c.steps() < 1 || c.batch() < 1 || c.seq() < 8 || !(c.lr() > 0) || c.rank() < 1 || c.accumulate() < 1) {
            throw LinforgeException.badInput(
                    "--heal-steps >= 1, batch >= 1, accumulate >= 1, seq >= 8, lr > 0 and rank >= 1 needed for distillation");
        }
        if (!(c.temperature() > 0) || Double.isInfinite(c.temperature())) {
            throw LinforgeException.badInput("--distill-temperature: must be a positive number, got " + c.temperature());
        }
        if (!(c.alpha() >= 0 && c.alpha() <= 1)) {
            throw LinforgeException.badInput("--distill-alpha: must lie in [0, 1], got " + c.alpha());
        }
    }

    /**
     * The distillation loss of one batch: {@code α·T²·KL(softmax(t/T) ‖ softmax(s/T)) + (1−α)·CE(s, y)},
     * both terms averaged over the rows; {@code labels} may be null when α = 1.
     */
    public static NDArray loss(NDArray student, NDArray teacher, NDArray labels, int numLabels, double temperature,
            double alpha) {
        NDArray soft = soft(teacher, student, temperature, alpha);
        if (alpha >= 1) {
            return soft;
        }
        return soft.add(Scalars.mul(ClassifierTrainer.crossEntropy(student, labels, numLabels), (float) (1 - alpha)));
    }

    /**
     * {@code KL(softmax(teacher / T) ‖ softmax(student / T))} along the last axis, one value per
     * row ([B] for logits [B, L], [B, S] for a language model's [B, S, V]).
     */
    public static NDArray kl(NDArray teacher, NDArray student, double temperature) {
        int axis = teacher.getShape().dimension() - 1;
        NDArray logQ = temperature == 1 ? student.logSoftmax(axis) : Scalars.div(student, (float) temperature).logSoftmax(axis);
        NDArray logP = temperature == 1 ? teacher.logSoftmax(axis) : Scalars.div(teacher, (float) temperature).logSoftmax(axis);
        return logP.exp().mul(logP.sub(logQ)).sum(new int[] {axis});
    }

    /** The soft term {@code α·T²·mean(KL)} over every row (every position of a language model's batch). */
    static NDArray soft(NDArray teacher, NDArray student, double temperature, double alpha) {
        return Scalars.mul(kl(teacher, student, temperature).mean(), (float) (alpha * temperature * temperature));
    }

    /**
     * The distillation loss of a language model on one batch of blocks {@code ids} [B, S]:
     * {@code α·T²·KL(softmax(t/T) ‖ softmax(s/T))} averaged over every position's next-token
     * distribution, plus {@code (1−α)} times the next-token cross-entropy of the student.
     */
    public static NDArray causalLmLoss(NDArray student, NDArray teacher, NDArray ids, double temperature, double alpha) {
        NDArray soft = soft(teacher, student, temperature, alpha);
        if (alpha >= 1) {
            return soft;
        }
        return soft.add(Scalars.mul(CausalLmTrainer.nextTokenLoss(student, ids), (float) (1 - alpha)));
    }

    /**
     * The training task of distilling {@code teacher} (eval mode, no gradients) into the decoder
     * {@code student} on shuffled blocks, for {@link TrainLoop}; held-out perplexity is its metric.
     */
    public static TrainLoop.Task causalLmTask(DecoderModel student, DecoderModel teacher, List<long[]> train,
            List<long[]> test, TrainConfig c, double temperature, double alpha) {
        for (Parameter p : teacher.parameters().values()) {
            p.setTrainable(false);
        }
        return CausalLmTrainer.task(student, train, test, c, (logits, x, ctx) -> {
            NDArray target = teacher.forward(x, null, new ForwardContext(ctx.manager(), false, DataType.FLOAT32), false,
                    null).logits().stopGradient();
            return causalLmLoss(logits, target, x, temperature, alpha);
        });
    }

    /**
     * Mean over every position of the blocks of KL(softmax(reference) ‖ softmax(candidate)) of the
     * next-token distributions (nats, temperature 1), in eval mode, batches of 8.
     */
    public static double meanKl(DecoderModel reference, DecoderModel candidate, List<long[]> blocks) {
        double sum = 0;
        long n = 0;
        for (int i = 0; i < blocks.size(); i += 8) {
            List<long[]> part = blocks.subList(i, Math.min(blocks.size(), i + 8));
            try (NDManager m = candidate.manager().newSubManager()) {
                NDArray x = m.create(part.toArray(long[][]::new));
                NDArray p = reference.forward(x, null, new ForwardContext(m, false, DataType.FLOAT32), false, null).logits();
                NDArray q = candidate.forward(x, null, new ForwardContext(m, false, DataType.FLOAT32), false, null).logits();
                NDArray kl = kl(p, q, 1.0);
                sum += kl.sum().toType(DataType.FLOAT64, false).getDouble();
                n += kl.getShape().size();
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /**
     * Distils {@code teacher} into {@code student} in place (adapters folded in at the end) on
     * {@code train} as a task of the shared loop ({@link TrainLoop}: accumulation, a training
     * checkpoint every {@code saveEvery} updates next to {@code out} and resume from it, the
     * non-finite guard, progress); {@code test} is what {@code eval_kl_to_teacher} is measured on
     * during training. Returns the loop's result (curve, losses, skipped updates, trainable
     * parameters) with the distillation settings.
     */
    public static ObjectNode distill(EncoderModel student, EncoderModel teacher, Tokenizer tok,
            List<ClassificationData.Example> train, List<ClassificationData.Example> test, int numLabels, Config c,
            Path out) {
        check(c);
        if (!student.hasClassifier() || !teacher.hasClassifier()) {
            throw LinforgeException.badInput("distillation needs a classifier as teacher and as student");
        }
        if (student.classifier().outFeatures() != teacher.classifier().outFeatures()
                || student.classifier().outFeatures() != numLabels) {
            throw LinforgeException.badInput("distillation: the student has " + student.classifier().outFeatures()
                    + " labels, the teacher " + teacher.classifier().outFeatures() + ", the data " + numLabels);
        }
        long t0 = System.nanoTime();
        Engine.getInstance().setRandomSeed((int) c.seed());
        for (Parameter p : teacher.parameters().values()) {
            p.setTrainable(false);
        }
        List<Linear> head = ClassifierTrainer.head(student);
        List<Parameter> headParams = new ArrayList<>();
        head.forEach(l -> headParams.addAll(l.parameters()));
        List<String> targets = new ArrayList<>();
        for (HiddenBlock b : student.layers()) {
            b.linears().forEach(l -> targets.add(l.name()));
        }
        TrainConfig tc = c.trainConfig(targets);
        DataOrder<ClassificationData.Example> order = new DataOrder<>(train, c.seed());
        TrainLoop.Task task = new TrainLoop.Task() {
            @Override
            public TrainLoop.MicroBatch forward(long first, ForwardContext ctx, boolean wantHidden) {
                ClassifierTrainer.Rows rows = ClassifierTrainer.rows(order, first, c.batch(), tok, c.seq());
                Tokenizer.Batch b = rows.tokens();
                NDArray target = teacher.forward(b.inputIds(), b.attentionMask(),
                        teacher.usesTokenTypes() ? b.typeIds() : null,
                        new ForwardContext(ctx.manager(), false, DataType.FLOAT32), false).logits().stopGradient();
                EncoderModel.Output o = student.forward(b.inputIds(), b.attentionMask(),
                        student.usesTokenTypes() ? b.typeIds() : null, ctx, wantHidden);
                NDArray l = loss(o.logits(), target, ctx.manager().create(rows.labels()), numLabels, c.temperature(),
                        c.alpha());
                return new TrainLoop.MicroBatch(l, o.hiddenStates(), ctx.manager().create(b.attentionMask()),
                        (long) b.size() * b.seqLen());
            }

            @Override
            public double evaluate() {
                return Logits.meanKl(ClassifierTrainer.logits(teacher, tok, test, c.seq()),
                        ClassifierTrainer.logits(student, tok, test, c.seq()));
            }

            @Override
            public String metric() {
                return "eval_kl_to_teacher";
            }
        };
        ObjectNode r = JSON.createObjectNode();
        try (TrainingMethod method = Methods.create(student, tc, headParams, head)) {
            TrainLoop.run(tc, task, method, student.manager(), out, Schedule.Kind.LINEAR, r);
            r.put("rank", c.rank());
            r.put("temperature", c.temperature());
            r.put("alpha", c.alpha());
            r.put("adapted_layers", method.adapters().size());
            method.fold();
        }
        for (Parameter p : student.parameters().values()) {
            p.setTrainable(false);
        }
        r.put("seconds", (System.nanoTime() - t0) / 1e9);
        return r;
    }

    /** Removes the training checkpoint {@link #distill} kept next to {@code out} (once the output is written). */
    public static void deleteCheckpoint(Path out) {
        TrainingCheckpoint.delete(TrainingCheckpoint.dirFor(out));
    }
}
