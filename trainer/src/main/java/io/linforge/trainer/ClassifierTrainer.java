package io.linforge.trainer;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.core.LinforgeException;
import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.core.checkpoint.Safetensors;
import io.linforge.core.io.AtomicFiles;
import io.linforge.core.model.EncoderModel;
import io.linforge.core.model.ForwardContext;
import io.linforge.core.model.Linear;
import io.linforge.core.model.Parameter;
import io.linforge.core.model.TransformerModel;
import io.linforge.core.tensor.TensorData;
import io.linforge.core.text.Tokenizer;
import io.linforge.trainer.data.ClassificationData;
import io.linforge.trainer.data.DataOrder;
import io.linforge.trainer.lora.LoraLinear;
import io.linforge.trainer.sparsegrad.SparseGrad;
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
 * Fine-tunes an encoder for sequence classification with LoRA, BitFit or all parameters: AdamW,
 * linear warm-up and decay, global-norm clipping, evaluation every N steps, seeded and
 * deterministic. LoRA writes a PEFT adapter folder; BitFit and full fine-tuning write a
 * checkpoint folder.
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
        try (Checkpoint ckpt = Checkpoint.open(modelDir); Tokenizer tok = Tokenizer.forCheckpoint(ckpt);
                NDManager root = NDManager.newBaseManager();
                TransformerModel tm = TransformerModel.load(ckpt, root, DataType.FLOAT32)) {
            if (!(tm instanceof EncoderModel model)) {
                throw LinforgeException.badInput(modelDir.resolve(Checkpoint.CONFIG), "model_type",
                        "sequence classification needs an encoder (bert, roberta)");
            }
            model.attachClassifier(data.labels(), c.seed());
            List<Linear> head = new ArrayList<>();
            if (model.pooler() != null) {
                head.add(model.pooler());
            }
            if (model.classifierDense() != null) {
                head.add(model.classifierDense());
            }
            head.add(model.classifier());
            List<Parameter> headParams = new ArrayList<>();
            head.forEach(l -> headParams.addAll(l.parameters()));
            DataOrder<ClassificationData.Example> order = new DataOrder<>(data.train(), c.seed());
            TrainLoop.Task task = new TrainLoop.Task() {
                @Override
                public TrainLoop.MicroBatch forward(long first, ForwardContext ctx, boolean wantHidden) {
                    List<String> texts = new ArrayList<>();
                    long[] labels = new long[c.batch()];
                    for (int i = 0; i < c.batch(); i++) {
                        ClassificationData.Example e = order.get(first + i);
                        texts.add(e.text());
                        labels[i] = e.label();
                    }
                    Tokenizer.Batch b = tok.encode(texts, c.seq());
                    EncoderModel.Output o = model.forward(b.inputIds(), b.attentionMask(),
                            model.usesTokenTypes() ? b.typeIds() : null, ctx, wantHidden);
                    NDArray loss = crossEntropy(o.logits(), ctx.manager().create(labels), data.labels().size());
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
                        .mapToLong(l -> l.a().array().getShape().size() + l.b().array().getShape().size()).sum();
                Schedule.Kind kind = c.schedule() != null ? c.schedule()
                        : c.method().equals("relora") ? Schedule.Kind.JAGGED : Schedule.Kind.LINEAR;
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
                if (c.method().equals("relora")) {
                    // the last adapters join the weights; the output is a plain checkpoint
                    method.adapters().values().forEach(l -> l.mergeAndReinit(new java.util.SplittableRandom(c.seed())));
                    method.adapters().values().forEach(l -> l.base().adapters().remove(l));
                }
                write(out, ckpt, model, method, head, c, result);
                TrainingCheckpoint.delete(TrainingCheckpoint.dirFor(out));
            }
            return result;
        }
    }

    /** Mean cross-entropy of logits [B, L] against integer labels [B]. */
    static NDArray crossEntropy(NDArray logits, NDArray labels, int numLabels) {
        NDArray logp = logits.logSoftmax(1);
        return logp.mul(labels.oneHot(numLabels)).sum(new int[] {1}).mean().neg();
    }

    /** Accuracy on {@code rows} in eval mode, batches of 32. */
    public static double evaluate(EncoderModel model, Tokenizer tok, List<ClassificationData.Example> rows, int seq) {
        if (rows.isEmpty()) {
            return Double.NaN;
        }
        int correct = 0;
        for (int i = 0; i < rows.size(); i += 32) {
            List<ClassificationData.Example> part = rows.subList(i, Math.min(rows.size(), i + 32));
            Tokenizer.Batch b = tok.encode(part.stream().map(ClassificationData.Example::text).toList(), seq);
            try (NDManager m = model.manager().newSubManager()) {
                EncoderModel.Output o = model.forward(b.inputIds(), b.attentionMask(),
                        model.usesTokenTypes() ? b.typeIds() : null, new ForwardContext(m, false, DataType.FLOAT32), false);
                long[] pred = o.logits().argMax(1).toLongArray();
                for (int k = 0; k < pred.length; k++) {
                    correct += pred[k] == part.get(k).label() ? 1 : 0;
                }
            }
        }
        return (double) correct / rows.size();
    }

    /** The name of a module in the Hugging Face class a PEFT user would load (e.g. bert. prefix added). */
    static String hfModule(EncoderModel model, String name) {
        if (!model.prefix().isEmpty() || name.startsWith("classifier")) {
            return name;
        }
        return model.config().modelType() + "." + name;
    }

    static void write(Path out, Checkpoint base, EncoderModel model, TrainingMethod method, List<Linear> head,
            TrainConfig c, ObjectNode result) {
        Map<String, LoraLinear> lora = method.adapters();
        try {
            AtomicFiles.writeDir(out, tmp -> {
                if (method instanceof SparseGrad sg) {
                    ObjectNode extra = JSON.createObjectNode();
                    extra.put("base_model_name_or_path", base.dir().toAbsolutePath().toString());
                    sg.toDelta(n -> hfModule(model, n)).writeTo(tmp, extra);
                    model.config().write(tmp.resolve(Checkpoint.CONFIG));
                } else if (c.method().equals("lora")) {
                    Map<String, TensorData> t = new LinkedHashMap<>();
                    for (Map.Entry<String, LoraLinear> e : lora.entrySet()) {
                        String mod = "base_model.model." + hfModule(model, e.getKey());
                        t.put(mod + ".lora_A.weight", TransformerModel.toTensorData(e.getValue().a().array()));
                        t.put(mod + ".lora_B.weight", TransformerModel.toTensorData(e.getValue().b().array()));
                    }
                    List<String> modulesToSave = new ArrayList<>();
                    for (Linear l : head) {
                        String mod = hfModule(model, l.name());
                        modulesToSave.add(l.name().startsWith("classifier") ? "classifier" : "pooler");
                        for (Parameter p : l.parameters()) {
                            String leaf = p.name().substring(l.name().length());
                            t.put("base_model.model." + mod + leaf, TransformerModel.toTensorData(p.array()));
                        }
                    }
                    Safetensors.write(tmp.resolve("adapter_model.safetensors"), t, Map.of("format", "pt"));
                    ObjectNode cfg = JSON.createObjectNode();
                    cfg.putObject("alpha_pattern");
                    cfg.put("base_model_name_or_path", base.dir().toAbsolutePath().toString());
                    cfg.put("bias", "none");
                    cfg.put("fan_in_fan_out", false);
                    cfg.put("inference_mode", true);
                    cfg.put("init_lora_weights", true);
                    cfg.put("lora_alpha", c.alpha());
                    cfg.put("lora_dropout", c.loraDropout());
                    cfg.set("modules_to_save", JSON.valueToTree(modulesToSave.stream().distinct().toList()));
                    cfg.put("peft_type", "LORA");
                    cfg.put("r", c.rank());
                    cfg.putObject("rank_pattern");
                    cfg.set("target_modules", JSON.valueToTree(c.targets()));
                    cfg.put("task_type", "SEQ_CLS");
                    cfg.put("use_rslora", c.rslora());
                    AtomicFiles.writeString(tmp.resolve("adapter_config.json"), JSON.writeValueAsString(sorted(cfg)) + "\n");
                    model.config().write(tmp.resolve(Checkpoint.CONFIG));
                } else {
                    Map<String, TensorData> all = model.stateDict();
                    Checkpoint.writeFolder(tmp, model.config(), all, base.tokenizerJson().orElse(null),
                            Checkpoint.DEFAULT_SHARD_BYTES);
                }
                AtomicFiles.writeString(tmp.resolve("training.json"), JSON.writeValueAsString(result) + "\n");
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ObjectNode sorted(ObjectNode n) {
        ObjectNode s = JSON.createObjectNode();
        List<String> keys = new ArrayList<>();
        n.fieldNames().forEachRemaining(keys::add);
        keys.stream().sorted().forEach(k -> s.set(k, n.get(k)));
        return s;
    }
}
