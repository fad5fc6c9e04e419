package io.linforge.trainer;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
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
import io.linforge.trainer.lora.LoraSetup;
import io.linforge.trainer.optim.AdamW;
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
    /** Training settings. */
    public record Config(String method, int steps, int batch, double lr, int seq, int rank, double alpha,
            double loraDropout, boolean rslora, List<String> targets, long seed, int evalEvery, int warmup,
            double weightDecay, double maxGradNorm, int limitTrain, int limitTest, int saveEvery, boolean resume) {
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ClassifierTrainer() {
    }

    /** Runs the training and writes {@code out}; returns the result JSON. */
    public static ObjectNode train(Path modelDir, Path dataFile, Path out, Config c) {
        if (!List.of("lora", "bitfit", "full").contains(c.method())) {
            throw LinforgeException.badInput("--method: '" + c.method() + "' is not one of lora, bitfit, full"
                    + " (relora and sparsegrad are not available in this build)");
        }
        if (c.steps() < 1 || c.batch() < 1 || c.seq() < 8 || c.lr() <= 0) {
            throw LinforgeException.badInput("--steps >= 1, --batch >= 1, --seq >= 8 and --lr > 0 needed");
        }
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
            for (Parameter p : model.parameters().values()) {
                p.setTrainable(false);
            }
            List<Parameter> trainable = new ArrayList<>();
            Map<String, LoraLinear> lora = new LinkedHashMap<>();
            switch (c.method()) {
                case "lora" -> lora.putAll(LoraSetup.inject(model, c.targets(), head, c.rank(), c.alpha(), c.rslora(),
                        c.loraDropout(), c.seed()));
                case "bitfit" -> model.parameters().values().stream().filter(p -> p.name().endsWith(".bias"))
                        .forEach(trainable::add);
                default -> trainable.addAll(model.parameters().values());
            }
            for (LoraLinear l : lora.values()) {
                trainable.add(l.a());
                trainable.add(l.b());
            }
            for (Linear l : head) {
                for (Parameter p : l.parameters()) {
                    if (!trainable.contains(p)) {
                        trainable.add(p);
                    }
                }
            }
            trainable.forEach(p -> p.setTrainable(true));
            long trainableCount = trainable.stream().mapToLong(p -> p.array().getShape().size()).sum();
            long total = model.parameterCount() + lora.values().stream()
                    .mapToLong(l -> l.a().array().getShape().size() + l.b().array().getShape().size()).sum();
            ObjectNode result = JSON.createObjectNode();
            ArrayNode curve = result.putArray("curve");
            double lastLoss = Double.NaN;
            int skipped = 0;
            long tokens = 0;
            double trainSeconds = 0;
            try (AdamW opt = new AdamW(model.manager(), 0.9, 0.999, 1e-8, c.weightDecay())) {
                DataOrder order = new DataOrder(data.train(), c.seed());
                Path ckptDir = TrainingCheckpoint.dirFor(out);
                int start = 0;
                if (c.resume()) {
                    start = TrainingCheckpoint.restore(ckptDir, trainable, opt, curve);
                    if (start > 0) {
                        System.err.printf("resuming from step %d (%s)%n", start, ckptDir);
                    }
                }
                Progress progress = new Progress("train", c.steps());
                for (int step = start; step < c.steps(); step++) {
                    // dropout masks depend only on (seed, step), so a resumed run draws the same ones
                    Engine.getInstance().setRandomSeed((int) (c.seed() * 1_000_003L + step));
                    List<String> texts = new ArrayList<>();
                    long[] labels = new long[c.batch()];
                    for (int i = 0; i < c.batch(); i++) {
                        ClassificationData.Example e = order.get((long) step * c.batch() + i);
                        texts.add(e.text());
                        labels[i] = e.label();
                    }
                    Tokenizer.Batch b = tok.encode(texts, c.seq());
                    double lr = Schedule.lr(Schedule.Kind.LINEAR, c.lr(), step, c.warmup(), c.steps());
                    long s0 = System.nanoTime();
                    try (NDManager sm = model.manager().newSubManager()) {
                        Map<String, NDArray> grads = new LinkedHashMap<>();
                        double loss;
                        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                            ForwardContext ctx = new ForwardContext(sm, true, DataType.FLOAT32);
                            EncoderModel.Output o = model.forward(b.inputIds(), b.attentionMask(),
                                    model.usesTokenTypes() ? b.typeIds() : null, ctx, false);
                            NDArray l = crossEntropy(o.logits(), sm.create(labels), data.labels().size());
                            gc.backward(l);
                            loss = l.getFloat();
                        }
                        double sq = 0;
                        for (Parameter p : trainable) {
                            NDArray g = p.array().getGradient();
                            g.attach(sm);
                            grads.put(p.name(), g);
                            sq += g.square().sum().getFloat();
                        }
                        if (!Double.isFinite(loss) || !Double.isFinite(sq)) {
                            // a non-finite loss or gradient would poison the weights: skip this update
                            grads.values().forEach(AdamW::zero);
                            skipped++;
                        } else {
                            double scale = Schedule.clipScale(Math.sqrt(sq), c.maxGradNorm());
                            opt.step(trainable, grads, lr, scale);
                            lastLoss = loss;
                        }
                    }
                    trainSeconds += (System.nanoTime() - s0) / 1e9;
                    tokens += (long) b.size() * b.seqLen();
                    ObjectNode pt = curve.addObject();
                    pt.put("step", step + 1);
                    pt.put("loss", lastLoss);
                    pt.put("lr", lr);
                    if (c.evalEvery() > 0 && (step + 1) % c.evalEvery() == 0 && step + 1 < c.steps()) {
                        pt.put("eval_accuracy", evaluate(model, tok, data.test(), c.seq()));
                    }
                    progress.update(step + 1, String.format("loss %.4f lr %.2e %6.0f tok/s", lastLoss, lr,
                            tokens / Math.max(trainSeconds, 1e-9)));
                    if (c.saveEvery() > 0 && (step + 1) % c.saveEvery() == 0 && step + 1 < c.steps()) {
                        TrainingCheckpoint.save(ckptDir, step + 1, trainable, opt, curve);
                    }
                }
                progress.done();
                double acc = evaluate(model, tok, data.test(), c.seq());
                result.put("method", c.method());
                result.put("eval_accuracy", acc);
                result.put("eval_rows", data.test().size());
                result.put("train_rows", data.train().size());
                result.put("final_loss", lastLoss);
                result.put("skipped_steps", skipped);
                result.put("trainable_parameters", trainableCount);
                result.put("total_parameters", total);
                result.put("trainable_fraction", (double) trainableCount / total);
                result.put("optimizer_state_bytes", opt.stateBytes());
                result.put("peak_rss_bytes", peakRss());
                result.put("tokens_per_s", tokens / trainSeconds);
                result.put("step_seconds", trainSeconds / c.steps());
                result.put("steps", c.steps());
                result.put("batch", c.batch());
                result.put("seq", c.seq());
                result.put("lr", c.lr());
                result.put("seed", c.seed());
                result.put("seconds", (System.nanoTime() - t0) / 1e9);
                result.set("labels", JSON.valueToTree(data.labels()));
                write(out, ckpt, model, lora, head, c, result);
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

    static long peakRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux
        }
        return -1;
    }

    /** The name of a module in the Hugging Face class a PEFT user would load (e.g. bert. prefix added). */
    static String hfModule(EncoderModel model, String name) {
        if (!model.prefix().isEmpty() || name.startsWith("classifier")) {
            return name;
        }
        return model.config().modelType() + "." + name;
    }

    static void write(Path out, Checkpoint base, EncoderModel model, Map<String, LoraLinear> lora, List<Linear> head,
            Config c, ObjectNode result) {
        try {
            AtomicFiles.writeDir(out, tmp -> {
                if (c.method().equals("lora")) {
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
