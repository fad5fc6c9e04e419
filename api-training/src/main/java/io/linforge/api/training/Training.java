package io.linforge.api.training;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.api.Json;
import io.linforge.compressor.Capture;
import io.linforge.compressor.Compressor;
import io.linforge.compressor.Healing;
import io.linforge.compressor.LayerStatistics;
import io.linforge.compressor.Linearity;
import io.linforge.core.LinforgeException;
import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.core.config.ModelConfig;
import io.linforge.core.data.TextRows;
import io.linforge.core.io.AtomicFiles;
import io.linforge.core.io.Outputs;
import io.linforge.core.tensor.TensorData;
import io.linforge.core.text.Tokenizer;
import io.linforge.exporter.OnnxExporter;
import io.linforge.model.TransformerModel;
import io.linforge.model.text.HfTokenizer;
import io.linforge.trainer.CausalLmTrainer;
import io.linforge.trainer.ClassifierTrainer;
import io.linforge.trainer.Distiller;
import io.linforge.trainer.Methods;
import io.linforge.trainer.Progress;
import io.linforge.trainer.TrainConfig;
import io.linforge.trainer.optim.Schedule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The training steps of linforge's Java API: {@link #train}, {@link #analyze} and {@link #compress}, each
 * taking typed options (whose defaults are the command line's) and returning a typed result whose
 * {@code toJson()} is the document the command's {@code --json} writes. {@code linforge train|analyze|compress}
 * and the Maven plugin's {@code train} and {@code compress} goals are layers over these methods. They live apart from
 * {@link io.linforge.api.Linforge} (module {@code linforge-api-training}) because they need the trainer,
 * the compressor and libtorch, which a project that only exports, validates or benchmarks leaves out.
 *
 * <p>Bad input throws {@link LinforgeException} with {@link LinforgeException#BAD_INPUT} and a one-line
 * message naming the file or the option (as the command spells it); a training that produces no model
 * and other failures throw it with {@link LinforgeException#FAILURE}. Every output folder is written next
 * to its target and renamed in, so a failure leaves none half-written.
 */
public final class Training {
    /** LoRA targets of encoders when none are given. */
    static final List<String> ENCODER_TARGETS = List.of("query", "value");
    /** LoRA targets of decoders when none are given: every attention and MLP projection. */
    static final List<String> DECODER_TARGETS = List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj",
            "down_proj");
    /** Healing's batch: rows or blocks per update. */
    private static final int HEAL_BATCH = 16;

    private Training() {
    }

    /**
     * Fine-tunes or pre-trains, as {@code linforge train} does: sequence classification for encoders (JSON
     * lines), causal language modelling for decoders (plain text).
     *
     * @throws LinforgeException exit 2 for bad input or options, exit 1 when training produces no model
     */
    public static TrainResult train(TrainOptions o) {
        Path model = required(o.model(), "model");
        Path out = required(o.out(), "out");
        Path data = required(o.data(), "data");
        Outputs.checkFolder(out, "--out", o.overwrite(), o.resume() && Files.isDirectory(out) && Outputs.isOwn(out));
        ModelConfig mc = ModelConfig.read(model.resolve(Checkpoint.CONFIG));
        boolean lm = mc.isDecoder();
        TrainConfig c = config(o, lm);
        mc.checkSequence("--seq", 0, c.seq(), model.resolve(Checkpoint.CONFIG));
        if (!Files.isRegularFile(data)) {
            throw LinforgeException.badInput(data, "file", "missing");
        }
        ObjectNode r = lm ? CausalLmTrainer.train(model, data, out, c, finite("held-out", o.heldOut()))
                : ClassifierTrainer.train(model, data, out, c);
        return TrainResult.of(out, lm, r);
    }

    /** The trainer's settings from the options, the defaults that depend on the method and the kind of model filled in. */
    static TrainConfig config(TrainOptions o, boolean lm) {
        String method = required(o.method(), "method");
        required(o.optimizerReset(), "optimizer-reset");
        required(o.reloraInitA(), "relora-init-a");
        required(o.sparseVariant(), "sparse-variant");
        int steps = o.steps();
        double lr = o.lr() != null ? finite("lr", o.lr()) : Methods.get(method).defaultLr();
        Schedule.Kind schedule = null;
        if (o.schedule() != null) {
            schedule = Schedule.parse(o.schedule());
            if (schedule == null) {
                throw LinforgeException.badInput("--schedule: '" + o.schedule() + "' is not one of constant, linear, cosine, jagged");
            }
        }
        TrainConfig.ReLoraOptions rd = TrainConfig.ReLoraOptions.defaults(steps);
        TrainConfig.ReLoraOptions relora = new TrainConfig.ReLoraOptions(
                o.reloraEvery() != null ? o.reloraEvery() : rd.every(),
                o.restartWarmup() != null ? o.restartWarmup() : rd.restartWarmup(),
                o.optimizerReset(), finite("reset-fraction", o.resetFraction()), o.warmStart(),
                finite("min-lr-ratio", o.minLrRatio()), o.reloraInitA(), finite("warm-start-lr", o.warmStartLr()));
        TrainConfig.SparseGradOptions sparse = new TrainConfig.SparseGradOptions(o.collectSteps(), o.keep(),
                o.sparseVariant());
        List<String> targets = o.targetModules() != null ? o.targetModules() : lm ? DECODER_TARGETS : ENCODER_TARGETS;
        TrainConfig.Builder b = TrainConfig.builder(method, targets).steps(steps).batch(o.batch()).lr(lr).seq(o.seq())
                .rank(o.rank()).alpha(finite("alpha", o.alpha())).loraDropout(finite("lora-dropout", o.loraDropout()))
                .rslora(o.rslora()).seed(o.seed()).evalEvery(o.evalEvery()).weightDecay(finite("weight-decay",
                        o.weightDecay())).maxGradNorm(finite("max-grad-norm", o.maxGradNorm())).limitTrain(o.limitTrain())
                .limitTest(o.limitTest()).saveEvery(o.saveEvery()).resume(o.resume()).accumulate(o.accumulate())
                .schedule(schedule).relora(relora).sparseGrad(sparse).linearityWeight(finite("linearity-weight",
                        o.linearityWeight()));
        if (o.warmup() != null) {
            b.warmup(o.warmup());
        }
        return b.build();
    }

    /**
     * Per-layer linearity and importance scores from streamed float64 statistics, as {@code linforge analyze}
     * does: writes {@code scores.json}, {@code scores.csv} and the profile plot ({@code profile.png},
     * {@code profile.svg}) into {@code out}.
     *
     * @throws LinforgeException exit 2 for bad input or options
     */
    public static AnalyzeResult analyze(AnalyzeOptions o) {
        Path modelDir = required(o.model(), "model");
        Path out = required(o.out(), "out");
        Outputs.checkFolder(out, "--out", o.overwrite(), false);
        plotSize("plot-width", o.plotWidth());
        plotSize("plot-height", o.plotHeight());
        List<String> texts = texts(required(o.data(), "data"), o.samples());
        List<LayerStatistics> stats;
        long t0 = System.nanoTime();
        ModelConfig.read(modelDir.resolve(Checkpoint.CONFIG)).checkSequence("--seq", 0, o.seq(),
                modelDir.resolve(Checkpoint.CONFIG));
        try (Checkpoint ckpt = Checkpoint.open(modelDir); Tokenizer tok = HfTokenizer.forCheckpoint(ckpt);
                NDManager root = NDManager.newBaseManager();
                TransformerModel model = TransformerModel.load(OnnxExporter.mergedConfig(ckpt, o.adapters()),
                        OnnxExporter.mergedTensors(ckpt, o.adapters()), modelDir, root, DataType.FLOAT32)) {
            Progress p = new Progress("analyze", texts.size());
            stats = Capture.layers(model, tok, texts, o.seq(), 16, !o.includeFirst(), done -> p.update(done, ""));
            p.done();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        List<AnalyzeResult.Layer> layers = new ArrayList<>();
        for (int l = 0; l < stats.size(); l++) {
            LayerStatistics s = stats.get(l);
            layers.add(new AnalyzeResult.Layer(l, Linearity.score(s), Linearity.residualRemovedScore(s),
                    Linearity.blockInfluence(s), Linearity.angularDistance(s)));
        }
        AnalyzeResult result = new AnalyzeResult(modelDir, out, texts.size(), stats.get(0).count(), seconds, layers);
        StringBuilder csv = new StringBuilder("layer,linearity,linearity_residual_removed,block_influence,angular_distance\n");
        int nl = layers.size();
        double[] xs = new double[nl];
        double[][] series = new double[4][nl];
        for (AnalyzeResult.Layer l : layers) {
            int i = l.layer();
            csv.append(String.format(Locale.ROOT, "%d,%.6f,%.6f,%.6f,%.6f%n", i, l.linearity(), l.linearityResidualRemoved(),
                    l.blockInfluence(), l.angularDistance()));
            xs[i] = i;
            series[0][i] = l.linearity();
            series[1][i] = l.linearityResidualRemoved();
            series[2][i] = l.blockInfluence();
            series[3][i] = l.angularDistance();
        }
        ProfileChart chart = ProfileChart.of(String.format(Locale.ROOT, "layer profile (%,d tokens)", result.tokens()),
                "layer", "score", xs, List.of("linearity", "linearity (residual removed)", "block influence",
                        "angular distance"), List.of(series), o.plotWidth(), o.plotHeight());
        try {
            byte[] png = chart.png();
            String svg = chart.svg();
            String json = Json.text(result.toJson());
            AtomicFiles.writeDir(out, tmp -> {
                AtomicFiles.writeString(tmp.resolve("scores.json"), json);
                AtomicFiles.writeString(tmp.resolve("scores.csv"), csv.toString());
                AtomicFiles.write(tmp.resolve("profile.png"), w -> w.write(png));
                AtomicFiles.writeString(tmp.resolve("profile.svg"), svg);
            });
        } catch (IOException e) {
            throw new LinforgeException(LinforgeException.FAILURE, e.toString(), e);
        }
        return result;
    }

    /** The first {@code n} texts of a data file (JSON lines or plain text); exit 2 when there are none. */
    static List<String> texts(Path file, int n) {
        if (!Files.isRegularFile(file)) {
            throw LinforgeException.badInput(file, "file", "no such data file");
        }
        List<String> out = new ArrayList<>();
        for (TextRows.Row row : TextRows.read(file, false, n)) {
            out.add(row.text());
        }
        if (out.isEmpty()) {
            throw LinforgeException.badInput(file, "text", "no texts found");
        }
        return out;
    }

    private static void plotSize(String option, int v) {
        if (v < 200 || v > 8000) {
            throw LinforgeException.badInput("--" + option + ": expected 200..8000 pixels, got " + v);
        }
    }

    /**
     * Replaces near-linear layers with fitted linear maps under an accuracy (classifiers) or perplexity
     * (decoders) budget and optionally heals the result, as {@code linforge compress} does; writes the
     * compressed checkpoint to {@code out}.
     *
     * @throws LinforgeException exit 2 for bad input or options (checked before the compression runs)
     */
    public static CompressResult compress(CompressOptions o) {
        String heal = o.heal() == null ? "none" : o.heal();
        if (!List.of("none", "lora", "distill").contains(heal)) {
            throw LinforgeException.badInput("--heal: '" + heal + "' is not one of none, lora, distill");
        }
        if (!heal.equals("distill")) {
            notApplicable("distill-alpha", o.distillAlpha(), "only with --heal distill");
            notApplicable("distill-temperature", o.distillTemperature(), "only with --heal distill");
        }
        if (heal.equals("none")) {
            notApplicable("heal-steps", o.healSteps(), "only with --heal lora or --heal distill");
            notApplicable("heal-lr", o.healLr(), "only with --heal lora or --heal distill");
        }
        int healSteps = o.healSteps() != null ? o.healSteps() : 20;
        double healLr = o.healLr() != null ? finite("heal-lr", o.healLr()) : 3e-4;
        Path model = required(o.model(), "model");
        Path out = required(o.out(), "out");
        Path data = required(o.data(), "data");
        Outputs.checkFolder(out, "--out", o.overwrite(), false);
        List<Path> adapters = o.adapters();
        Distiller.Config dc = null;
        if (heal.equals("distill")) {
            dc = Distiller.Config.of(healSteps, HEAL_BATCH, healLr, o.seq(),
                    o.distillTemperature() != null ? finite("distill-temperature", o.distillTemperature()) : 2.0,
                    o.distillAlpha() != null ? finite("distill-alpha", o.distillAlpha()) : 0.5, o.seed() + 1);
            Distiller.check(dc); // before the compression runs
        }
        try (Checkpoint ckpt = Checkpoint.open(model)) {
            ModelConfig config = OnnxExporter.mergedConfig(ckpt, adapters);
            boolean decoder = config.isDecoder();
            budgetOptions(o, decoder);
            Compressor.Config c = new Compressor.Config(
                    o.maxAccuracyDrop() != null ? finite("max-accuracy-drop", o.maxAccuracyDrop()) : 0.01,
                    o.maxPerplexityRatio() != null ? finite("max-perplexity-ratio", o.maxPerplexityRatio()) : 1.05,
                    o.maxBlocks() != null ? o.maxBlocks() : Integer.MAX_VALUE, o.samples(), o.seq(), o.seed(),
                    o.validation(), o.heldOut() != null ? finite("held-out", o.heldOut()) : 0.05);
            config.checkSequence("--seq", 0, c.seq(), model.resolve(Checkpoint.CONFIG));
            TrainConfig lmHeal = null;
            if (decoder && !heal.equals("none")) {
                lmHeal = Healing.causalLmConfig(healSteps, HEAL_BATCH, healLr, c.seq(), c.seed() + 1);
                lmHeal.validate(); // before the compression runs
            }
            Map<String, TensorData> tensors = OnnxExporter.mergedTensors(ckpt, adapters);
            Path compressed = heal.equals("none") ? out : out.toAbsolutePath().resolveSibling(out.getFileName() + ".unhealed");
            ObjectNode r = Compressor.compress(model, config, tensors, data, compressed, c);
            try {
                if (decoder && !heal.equals("none")) {
                    CausalLmTrainer.Teacher teacher = heal.equals("distill")
                            ? new CausalLmTrainer.Teacher(config, tensors, model, dc.temperature(), dc.alpha()) : null;
                    ObjectNode h = Healing.causalLm(compressed, data, c.heldOut(), out, lmHeal, teacher);
                    r.put("heal", heal);
                    r.put("heal_steps", h.get("steps").asInt());
                    r.put("test_perplexity_after_healing", h.get("eval_perplexity").asDouble());
                    if (teacher != null) {
                        r.put("test_kl_to_original_after_healing", h.get("eval_kl_to_teacher").asDouble());
                    }
                    r.set("healing", h);
                } else if (heal.equals("distill")) {
                    ObjectNode h = Healing.distill(compressed, config, tensors, model, data, c.seed(), out, dc);
                    r.put("heal", "distill");
                    r.put("heal_steps", healSteps);
                    r.put("test_accuracy_after_healing", h.get("test_accuracy_after_healing").asDouble());
                    r.put("test_kl_to_original_after_healing", h.get("test_kl_to_original_after_healing").asDouble());
                    r.set("healing", h);
                } else if (heal.equals("lora")) {
                    Path adapter = out.toAbsolutePath().resolveSibling(out.getFileName() + ".heal");
                    try {
                        ObjectNode h = ClassifierTrainer.train(compressed, data, adapter,
                                TrainConfig.builder("lora", ENCODER_TARGETS).steps(healSteps).batch(HEAL_BATCH).lr(healLr)
                                        .seq(c.seq()).seed(c.seed() + 1).warmup(2).saveEvery(0).build());
                        try (Checkpoint ck = Checkpoint.open(compressed)) {
                            Checkpoint.save(out, OnnxExporter.mergedConfig(ck, List.of(adapter)),
                                    OnnxExporter.mergedTensors(ck, List.of(adapter)), ck.tokenizerJson().orElse(null));
                        }
                        r.put("heal", "lora");
                        r.put("heal_steps", h.get("steps").asInt());
                        r.put("test_accuracy_after_healing", h.get("eval_accuracy").asDouble());
                    } finally {
                        AtomicFiles.deleteRecursively(adapter);
                    }
                }
            } finally {
                if (!heal.equals("none")) {
                    AtomicFiles.deleteRecursively(compressed);
                }
            }
            return CompressResult.of(out, decoder, r);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new LinforgeException(LinforgeException.FAILURE, e.toString(), e);
        }
    }

    /** Each kind of model has its budget: using the other one is bad usage. */
    private static void budgetOptions(CompressOptions o, boolean decoder) {
        if (decoder && o.maxAccuracyDrop() != null) {
            throw LinforgeException.badInput("--max-accuracy-drop: the model is a decoder; its budget is"
                    + " --max-perplexity-ratio");
        }
        if (!decoder && o.maxPerplexityRatio() != null) {
            throw LinforgeException.badInput("--max-perplexity-ratio: the model is a classifier; its budget is"
                    + " --max-accuracy-drop");
        }
        if (!decoder && o.heldOut() != null) {
            throw LinforgeException.badInput("--held-out: only for decoders (a classifier's test rows come from the"
                    + " data's split)");
        }
    }

    /** Exit 2 naming {@code --option} when an option that does not apply was given. */
    private static void notApplicable(String option, Object value, String reason) {
        if (value != null) {
            throw LinforgeException.badInput("--" + option + ": " + reason);
        }
    }

    /** {@code v}, or exit 2 naming {@code --option} when it is null. */
    private static <T> T required(T v, String option) {
        if (v == null) {
            throw LinforgeException.badInput("--" + option + " is required");
        }
        return v;
    }

    /** {@code v}, or exit 2 naming {@code --option} when it is NaN or infinite. */
    private static double finite(String option, double v) {
        if (!Double.isFinite(v)) {
            throw LinforgeException.badInput("--" + option + ": expected a finite number, got '" + v + "'");
        }
        return v;
    }
}
