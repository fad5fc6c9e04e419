package io.linforge.trainer;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.core.LinforgeException;
import io.linforge.core.adapter.Adapter;
import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.core.io.AtomicFiles;
import io.linforge.core.metric.Logits;
import io.linforge.core.tensor.TensorData;
import io.linforge.core.text.Tokenizer;
import io.linforge.model.EncoderModel;
import io.linforge.model.ForwardContext;
import io.linforge.model.Linear;
import io.linforge.model.Parameter;
import io.linforge.model.TransformerModel;
import io.linforge.model.text.HfTokenizer;
import io.linforge.trainer.data.ClassificationData;
import io.linforge.trainer.data.DataOrder;
import io.linforge.trainer.optim.Schedule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fine-tunes an encoder for sequence classification with any method of the registry
 * ({@link Methods}): AdamW, linear warm-up and decay (or the method's schedule), global-norm
 * clipping, evaluation every N steps, seeded and deterministic. A method with an adapter format
 * (LoRA, DoRA: PEFT; SparseGrad) writes its adapter folder; the others write a checkpoint folder.
 */
public final class ClassifierTrainer {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ClassifierTrainer() {
    }

    /** Runs the training and writes {@code out}; returns the result JSON. */
    public static ObjectNode train(Path modelDir, Path dataFile, Path out, TrainConfig c) {
        c.validate();
        Engine.getInstance().setRandomSeed((int) c.seed());
        ClassificationData data = ClassificationData.read(dataFile, c.seed(), c.limitTrain(), c.limitTest());
        long t0 = System.nanoTime();
        try (Checkpoint ckpt = Checkpoint.open(modelDir); Tokenizer tok = HfTokenizer.forCheckpoint(ckpt);
                NDManager root = NDManager.newBaseManager();
                TransformerModel tm = TransformerModel.load(ckpt, root, DataType.FLOAT32)) {
            if (!(tm instanceof EncoderModel model)) {
                throw LinforgeException.badInput(modelDir.resolve(Checkpoint.CONFIG), "model_type",
                        "sequence classification needs an encoder (bert, roberta)");
            }
            model.attachClassifier(data.labels(), c.seed());
            List<Linear> head = head(model);
            List<Parameter> headParams = new ArrayList<>();
            head.forEach(l -> headParams.addAll(l.parameters()));
            DataOrder<ClassificationData.Example> order = new DataOrder<>(data.train(), c.seed());
            TrainLoop.Task task = new TrainLoop.Task() {
                @Override
                public TrainLoop.MicroBatch forward(long first, ForwardContext ctx, boolean wantHidden) {
                    Rows rows = rows(order, first, c.batch(), tok, c.seq());
                    Tokenizer.Batch b = rows.tokens();
                    EncoderModel.Output o = model.forward(b.inputIds(), b.attentionMask(),
                            model.usesTokenTypes() ? b.typeIds() : null, ctx, wantHidden);
                    NDArray loss = crossEntropy(o.logits(), ctx.manager().create(rows.labels()), data.labels().size());
                    return new TrainLoop.MicroBatch(loss, o.hiddenStates(), ctx.manager().create(b.attentionMask()),
                            (long) b.size() * b.seqLen());
                }

                @Override
                public double evaluate() {
                    return ClassifierTrainer.evaluate(model, tok, data.test(), c.seq());
                }

                @Override
                public String metric() {
                    return "eval_accuracy";
                }
            };
            ObjectNode result = JSON.createObjectNode();
            try (TrainingMethod method = Methods.create(model, c, headParams, head)) {
                long total = model.parameterCount() + method.adapters().values().stream()
                        .flatMap(l -> l.parameters().stream()).mapToLong(p -> p.array().getShape().size()).sum();
                Schedule.Kind kind = c.schedule() != null ? c.schedule()
                        : Methods.get(c.method()).defaultSchedule(Schedule.Kind.LINEAR);
                TrainLoop.run(c, task, method, model.manager(), out, kind, result);
                double acc = evaluate(model, tok, data.test(), c.seq());
                result.put("eval_accuracy", acc);
                result.put("eval_rows", data.test().size());
                result.put("train_rows", data.train().size());
                result.put("total_parameters", total);
                result.put("trainable_fraction", (double) result.get("trainable_parameters").asLong() / total);
                result.put("peak_rss_bytes", TrainLoop.peakRss());
                result.put("seconds", (System.nanoTime() - t0) / 1e9);
                result.set("labels", JSON.valueToTree(data.labels()));
                write(out, ckpt, model, method, head, c, result);
                TrainingCheckpoint.delete(TrainingCheckpoint.dirFor(out));
            }
            return result;
        }
    }

    /** The linears of the classification head the model has: pooler, dense (RoBERTa's), classifier. */
    static List<Linear> head(EncoderModel model) {
        List<Linear> head = new ArrayList<>();
        for (Linear l : new Linear[] {model.pooler(), model.classifierDense(), model.classifier()}) {
            if (l != null) {
                head.add(l);
            }
        }
        return head;
    }

    /** A micro-batch of labelled rows, tokenized. */
    record Rows(Tokenizer.Batch tokens, long[] labels) {
    }

    /** The {@code batch} rows at positions {@code first ..} of the shuffled order, tokenized to {@code seq}. */
    static Rows rows(DataOrder<ClassificationData.Example> order, long first, int batch, Tokenizer tok, int seq) {
        List<String> texts = new ArrayList<>();
        long[] labels = new long[batch];
        for (int i = 0; i < batch; i++) {
            ClassificationData.Example e = order.get(first + i);
            texts.add(e.text());
            labels[i] = e.label();
        }
        return new Rows(tok.encode(texts, seq), labels);
    }

    /** Mean cross-entropy of logits [B, L] against integer labels [B]. */
    static NDArray crossEntropy(NDArray logits, NDArray labels, int numLabels) {
        NDArray logp = logits.logSoftmax(1);
        return logp.mul(labels.oneHot(numLabels)).sum(new int[] {1}).mean().neg();
    }

    /** Accuracy on {@code rows} in eval mode, batches of 32 ({@link Logits#accuracy} of {@link #logits}). */
    public static double evaluate(EncoderModel model, Tokenizer tok, List<ClassificationData.Example> rows, int seq) {
        return accuracy(logits(model, tok, rows, seq), rows);
    }

    /** Fraction of rows whose arg-max logit is the label; NaN when there are none. */
    public static double accuracy(float[][] logits, List<ClassificationData.Example> rows) {
        return Logits.accuracy(logits, rows.stream().mapToInt(ClassificationData.Example::label).toArray());
    }

    /** Logits [rows][labels] of {@code model} in eval mode, batches of 32. */
    public static float[][] logits(EncoderModel model, Tokenizer tok, List<ClassificationData.Example> rows, int seq) {
        float[][] out = new float[rows.size()][];
        for (int i = 0; i < rows.size(); i += 32) {
            List<ClassificationData.Example> part = rows.subList(i, Math.min(rows.size(), i + 32));
            Tokenizer.Batch b = tok.encode(part.stream().map(ClassificationData.Example::text).toList(), seq);
            try (NDManager m = model.manager().newSubManager()) {
                NDArray z = model.forward(b.inputIds(), b.attentionMask(), model.usesTokenTypes() ? b.typeIds() : null,
                        new ForwardContext(m, false, DataType.FLOAT32), false).logits();
                int k = (int) z.getShape().get(1);
                float[] flat = z.toType(DataType.FLOAT32, false).toFloatArray();
                for (int r = 0; r < part.size(); r++) {
                    out[i + r] = java.util.Arrays.copyOfRange(flat, r * k, (r + 1) * k);
                }
            }
        }
        return out;
    }

    /** The name of a module in the Hugging Face class a PEFT user would load (e.g. bert. prefix added). */
    static String hfModule(EncoderModel model, String name) {
        if (!model.prefix().isEmpty() || name.startsWith("classifier")) {
            return name;
        }
        return model.config().modelType() + "." + name;
    }

    /**
     * Writes the method's adapter folder (with the trained model's {@code config.json}: labels), or, for a
     * method without one, the checkpoint with what it trained folded in; {@code training.json} in both.
     */
    static void write(Path out, Checkpoint base, EncoderModel model, TrainingMethod method, List<Linear> head,
            TrainConfig c, ObjectNode result) {
        Map<String, TensorData> whole = new LinkedHashMap<>();
        List<String> modulesToSave = new ArrayList<>();
        for (Linear l : head) {
            modulesToSave.add(l.name().startsWith("classifier") ? "classifier" : "pooler");
            for (Parameter p : l.parameters()) {
                whole.put(hfModule(model, l.name()) + p.name().substring(l.name().length()),
                        TransformerModel.toTensorData(p.array()));
            }
        }
        Adapter adapter = Methods.get(c.method()).adapter(method, new Method.Output(c,
                base.dir().toAbsolutePath().toString(), n -> hfModule(model, n), whole,
                modulesToSave.stream().distinct().toList(), "SEQ_CLS"));
        if (adapter == null) {
            method.fold();
        }
        try {
            AtomicFiles.writeDir(out, tmp -> {
                if (adapter != null) {
                    adapter.save(tmp);
                    model.config().write(tmp.resolve(Checkpoint.CONFIG));
                } else {
                    Checkpoint.writeFolder(tmp, model.config(), model.stateDict(), base.tokenizerJson().orElse(null),
                            Checkpoint.DEFAULT_SHARD_BYTES);
                }
                AtomicFiles.writeString(tmp.resolve("training.json"), JSON.writeValueAsString(result) + "\n");
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
