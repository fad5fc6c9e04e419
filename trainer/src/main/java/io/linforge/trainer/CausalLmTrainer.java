package io.linforge.trainer;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.core.LinforgeException;
import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.core.config.ModelConfig;
import io.linforge.core.io.AtomicFiles;
import io.linforge.core.tensor.TensorData;
import io.linforge.core.text.Tokenizer;
import io.linforge.model.DecoderModel;
import io.linforge.model.ForwardContext;
import io.linforge.model.HiddenBlock;
import io.linforge.model.Linear;
import io.linforge.model.Parameter;
import io.linforge.model.TransformerModel;
import io.linforge.model.text.HfTokenizer;
import io.linforge.trainer.data.DataOrder;
import io.linforge.trainer.data.TextBlocks;
import io.linforge.trainer.optim.Schedule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Causal language modelling on plain text (next-token cross-entropy over packed blocks) for the
 * LLaMA decoder, with any method of the registry ({@link Methods}). The low-rank and sparse
 * methods also train what is not a linear layer of a block (token embeddings, norms, LM head) in
 * full, as ReLoRA does for pre-training. The output is always a plain checkpoint with adapters
 * and sparse changes folded into the weights; the metric is held-out perplexity.
 */
public final class CausalLmTrainer {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private CausalLmTrainer() {
    }

    /**
     * A teacher to distil from instead of the next-token labels (see {@link Distiller#causalLmLoss}):
     * a decoder given by its config and tensors ({@code dir} names it in errors), the temperature
     * and the weight α of the KL term.
     */
    public record Teacher(ModelConfig config, Map<String, TensorData> tensors, Path dir, double temperature,
            double alpha) {
    }

    public static ObjectNode train(Path modelDir, Path textFile, Path out, TrainConfig c, double heldOut) {
        return train(modelDir, textFile, out, c, heldOut, null);
    }

    /**
     * Trains on the text and writes the checkpoint to {@code out}; with a {@code teacher}, the loss
     * is the distillation loss and the result also holds {@code eval_kl_to_teacher}, the mean
     * KL(teacher ‖ model) of the next-token distributions over the held-out blocks.
     */
    public static ObjectNode train(Path modelDir, Path textFile, Path out, TrainConfig c, double heldOut, Teacher teacher) {
        c.validate();
        Engine.getInstance().setRandomSeed((int) c.seed());
        long t0 = System.nanoTime();
        try (Checkpoint ckpt = Checkpoint.open(modelDir); Tokenizer tok = HfTokenizer.forCheckpoint(ckpt);
                NDManager root = NDManager.newBaseManager();
                TransformerModel tm = TransformerModel.load(ckpt, root, DataType.FLOAT32);
                TransformerModel tt = teacher == null ? null
                        : TransformerModel.load(teacher.config(), teacher.tensors(), teacher.dir(), root, DataType.FLOAT32)) {
            if (!(tm instanceof DecoderModel model)) {
                throw LinforgeException.badInput(modelDir.resolve(Checkpoint.CONFIG), "model_type",
                        "causal language modelling needs a decoder (llama)");
            }
            if (tt != null && !(tt instanceof DecoderModel)) {
                throw LinforgeException.badInput(teacher.dir().resolve(Checkpoint.CONFIG), "model_type",
                        "distilling a decoder needs a decoder (llama) as the teacher");
            }
            DecoderModel teacherModel = (DecoderModel) tt;
            TextBlocks data = TextBlocks.read(textFile, tok, c.seq(), heldOut);
            List<long[]> test = c.limitTest() > 0 && data.test().size() > c.limitTest()
                    ? data.test().subList(0, c.limitTest()) : data.test();
            List<Linear> noAdapters = model.tiedEmbeddings() ? List.of() : List.of(model.lmHead());
            TrainLoop.Task task = teacherModel == null ? task(model, data.train(), test, c)
                    : Distiller.causalLmTask(model, teacherModel, data.train(), test, c, teacher.temperature(),
                            teacher.alpha());
            ObjectNode result = JSON.createObjectNode();
            try (TrainingMethod method = Methods.create(model, c, others(model), noAdapters)) {
                Schedule.Kind kind = c.schedule() != null ? c.schedule()
                        : Methods.get(c.method()).defaultSchedule(Schedule.Kind.COSINE);
                TrainLoop.run(c, task, method, model.manager(), out, kind, result);
                result.put("eval_perplexity", perplexity(model, test));
                if (teacherModel != null) {
                    result.put("eval_kl_to_teacher", Distiller.meanKl(teacherModel, model, test));
                    result.put("distill_temperature", teacher.temperature());
                    result.put("distill_alpha", teacher.alpha());
                }
                result.put("eval_blocks", test.size());
                result.put("train_blocks", data.train().size());
                result.put("text_tokens", data.tokens());
                result.put("total_parameters", model.parameterCount());
                result.put("trainable_fraction", (double) result.get("trainable_parameters").asLong() / model.parameterCount());
                result.put("peak_rss_bytes", TrainLoop.peakRss());
                result.put("seconds", (System.nanoTime() - t0) / 1e9);
                method.fold();
                write(out, ckpt, model, result);
                TrainingCheckpoint.delete(TrainingCheckpoint.dirFor(out));
            }
            return result;
        }
    }

    /** Embeddings, norms and the LM head: every parameter that is not in a linear layer of a block. */
    public static List<Parameter> others(DecoderModel model) {
        Set<Parameter> blockLinear = new HashSet<>();
        for (HiddenBlock b : model.layers()) {
            for (Linear l : b.linears()) {
                blockLinear.addAll(l.parameters());
            }
        }
        List<Parameter> others = new ArrayList<>();
        model.parameters().values().stream().filter(p -> !blockLinear.contains(p)).forEach(others::add);
        return others;
    }

    /** The loss of a batch of blocks from the model's logits [B, S, V] and the token ids [B, S]. */
    public interface BlockLoss {
        NDArray loss(NDArray logits, NDArray ids, ForwardContext ctx);
    }

    /** Next-token prediction over shuffled training blocks; held-out perplexity as the metric. */
    public static TrainLoop.Task task(DecoderModel model, List<long[]> train, List<long[]> test, TrainConfig c) {
        return task(model, train, test, c, (logits, ids, ctx) -> nextTokenLoss(logits, ids));
    }

    /** As {@link #task(DecoderModel, List, List, TrainConfig)} with another loss on the same blocks. */
    public static TrainLoop.Task task(DecoderModel model, List<long[]> train, List<long[]> test, TrainConfig c,
            BlockLoss loss) {
        DataOrder<long[]> order = new DataOrder<>(train, c.seed());
        return new TrainLoop.Task() {
            @Override
            public TrainLoop.MicroBatch forward(long first, ForwardContext ctx, boolean wantHidden) {
                long[][] ids = new long[c.batch()][];
                for (int i = 0; i < c.batch(); i++) {
                    ids[i] = order.get(first + i);
                }
                NDArray x = ctx.manager().create(ids);
                DecoderModel.Output o = model.forward(x, null, ctx, wantHidden, null);
                return new TrainLoop.MicroBatch(loss.loss(o.logits(), x, ctx), o.hiddenStates(), null,
                        (long) ids.length * ids[0].length);
            }

            @Override
            public double evaluate() {
                return perplexity(model, test);
            }

            @Override
            public String metric() {
                return "eval_perplexity";
            }
        };
    }

    /** Mean next-token cross-entropy: logits [B, S, V] at positions 0..S−2 against ids 1..S−1. */
    public static NDArray nextTokenLoss(NDArray logits, NDArray ids) {
        long s = ids.getShape().get(1);
        NDArray pred = logits.get(new NDIndex(":, 0:{}, :", s - 1));
        NDArray target = ids.get(new NDIndex(":, 1:")).expandDims(2);
        NDArray logp = pred.logSoftmax(2);
        return logp.gather(target, 2).mean().neg();
    }

    /** exp(mean next-token negative log-likelihood) over the blocks, in eval mode, batches of 8. */
    public static double perplexity(DecoderModel model, List<long[]> blocks) {
        if (blocks.isEmpty()) {
            return Double.NaN;
        }
        double nll = 0;
        long n = 0;
        for (int i = 0; i < blocks.size(); i += 8) {
            List<long[]> part = blocks.subList(i, Math.min(blocks.size(), i + 8));
            try (NDManager m = model.manager().newSubManager()) {
                NDArray x = m.create(part.toArray(long[][]::new));
                DecoderModel.Output o = model.forward(x, null, new ForwardContext(m, false, DataType.FLOAT32), false, null);
                long count = part.size() * (x.getShape().get(1) - 1);
                nll += nextTokenLoss(o.logits(), x).getFloat() * count;
                n += count;
            }
        }
        return Math.exp(nll / n);
    }

    static void write(Path out, Checkpoint base, DecoderModel model, ObjectNode result) {
        try {
            AtomicFiles.writeDir(out, tmp -> {
                Checkpoint.writeFolder(tmp, model.config(), model.stateDict(), base.tokenizerJson().orElse(null),
                        Checkpoint.DEFAULT_SHARD_BYTES);
                AtomicFiles.writeString(tmp.resolve("training.json"), JSON.writeValueAsString(result) + "\n");
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
