package io.linforge.compressor;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.core.LinforgeException;
import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.core.config.ModelConfig;
import io.linforge.core.metric.Logits;
import io.linforge.core.tensor.TensorData;
import io.linforge.core.text.Tokenizer;
import io.linforge.model.DecoderModel;
import io.linforge.model.EncoderModel;
import io.linforge.model.HiddenBlock;
import io.linforge.model.LinearMapBlock;
import io.linforge.model.TransformerModel;
import io.linforge.model.text.HfTokenizer;
import io.linforge.trainer.CausalLmTrainer;
import io.linforge.trainer.ClassifierTrainer;
import io.linforge.trainer.Distiller;
import io.linforge.trainer.data.ClassificationData;
import io.linforge.trainer.data.TextBlocks;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Replaces the most linear layers of a model with fitted linear maps under a budget on a
 * validation split held out of the training data: layers are tried in order of their linearity
 * score (highest first), and each replacement is kept only if the validation metric stays within
 * the budget of the original's. A sequence classifier is judged by accuracy ({@code maxDrop}: the
 * largest allowed drop), a decoder by the perplexity of its next-token predictions
 * ({@code maxPerplexityRatio}: the largest allowed ratio compressed / original). The test split is
 * reported before and after (the metric, and the mean KL divergence of the compressed model's
 * predictions from the original's).
 */
public final class Compressor {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Compressor.class);

    /**
     * Settings. {@code maxDrop} is the budget of classifiers, {@code maxPerplexityRatio} that of
     * decoders; {@code validation} counts rows (classifiers) or blocks of {@code seq} tokens
     * (decoders), and so does {@code samples} (calibration); {@code heldOut} is the fraction of a
     * decoder's text kept for the test split, as in causal-LM training.
     */
    public record Config(double maxDrop, double maxPerplexityRatio, int maxBlocks, int samples, int seq, long seed,
            int validation, double heldOut) {
        /** A classifier's settings. */
        public Config(double maxDrop, int maxBlocks, int samples, int seq, long seed, int validation) {
            this(maxDrop, Double.NaN, maxBlocks, samples, seq, seed, validation, 0);
        }
    }

    /**
     * What the greedy search measures on the validation split, and its budget: the metric's name in
     * the report ({@code validation_<metric>}), the metric of the model as it is now, and whether a
     * value is within the budget of the original model's (arguments: original, value).
     */
    record Budget(String metric, java.util.function.DoubleSupplier validation,
            java.util.function.BiPredicate<Double, Double> within) {
        double validate() {
            return validation.getAsDouble();
        }
    }

    /** The layers the greedy search replaced, in order, and the validation metric after the last. */
    record Outcome(List<Integer> replaced, double validation) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private Compressor() {
    }

    public static ObjectNode compress(Path modelDir, ModelConfig config, Map<String, TensorData> tensors, Path dataFile,
            Path out, Config c) throws Exception {
        try (Tokenizer tok = HfTokenizer.forModel(modelDir, config); NDManager root = NDManager.newBaseManager();
                TransformerModel tm = TransformerModel.load(config, tensors, modelDir, root, DataType.FLOAT32)) {
            if (tm instanceof DecoderModel model) {
                if (!(c.maxPerplexityRatio() > 0) || Double.isInfinite(c.maxPerplexityRatio())) {
                    throw LinforgeException.badInput("--max-perplexity-ratio: must be a positive number, got "
                            + c.maxPerplexityRatio());
                }
                return decoder(model, tok, modelDir, config, tensors, dataFile, out, c);
            }
            if (!(tm instanceof EncoderModel model) || !model.hasClassifier()) {
                throw LinforgeException.badInput(modelDir, "architectures",
                        "compress needs a classifier (fine-tune first, or pass its --adapter) or a decoder");
            }
            if (Double.isNaN(c.maxDrop())) {
                throw LinforgeException.badInput("--max-accuracy-drop: must be a number, got " + c.maxDrop());
            }
            return classifier(model, tok, modelDir, dataFile, out, c);
        }
    }

    private static ObjectNode classifier(EncoderModel model, Tokenizer tok, Path modelDir, Path dataFile, Path out,
            Config c) {
        ClassificationData data = ClassificationData.read(dataFile, c.seed(), 0, 0);
        List<ClassificationData.Example> train = data.train();
        int nv = Math.min(c.validation(), train.size() / 2);
        List<ClassificationData.Example> validation = train.subList(train.size() - nv, train.size());
        List<String> calib = train.subList(0, Math.min(c.samples(), train.size() - nv)).stream()
                .map(ClassificationData.Example::text).toList();
        ObjectNode r = JSON.createObjectNode();
        Budget budget = new Budget("accuracy", () -> ClassifierTrainer.evaluate(model, tok, validation, c.seq()),
                (original, value) -> original - value <= c.maxDrop());
        double baseVal = budget.validate();
        float[][] originalTest = ClassifierTrainer.logits(model, tok, data.test(), c.seq());
        double baseTest = ClassifierTrainer.accuracy(originalTest, data.test());
        long paramsBefore = model.parameterCount();
        List<LayerStatistics> stats = Capture.layers(model, tok, calib, c.seq(), 16, true, null);
        Outcome o = replace(model, stats, c.maxBlocks(), budget, baseVal, r.putArray("tried"));
        float[][] compressedTest = ClassifierTrainer.logits(model, tok, data.test(), c.seq());
        double test = ClassifierTrainer.accuracy(compressedTest, data.test());
        Checkpoint.save(out, model.config(), model.stateDict(), modelDir.resolve(Checkpoint.TOKENIZER));
        r.put("validation_rows", validation.size());
        r.put("validation_accuracy_before", baseVal);
        r.put("validation_accuracy_after", o.validation());
        r.put("test_accuracy_before", baseTest);
        r.put("test_accuracy_after", test);
        r.put("test_rows", data.test().size());
        r.put("test_kl_to_original", Logits.meanKl(originalTest, compressedTest));
        report(r, model, o, stats.size(), paramsBefore);
        r.put("max_accuracy_drop", c.maxDrop());
        return r;
    }

    private static ObjectNode decoder(DecoderModel model, Tokenizer tok, Path modelDir, ModelConfig config,
            Map<String, TensorData> tensors, Path dataFile, Path out, Config c) {
        if (!(c.heldOut() > 0 && c.heldOut() < 1)) {
            throw LinforgeException.badInput("--held-out: must be in (0, 1), got " + c.heldOut());
        }
        TextBlocks data = TextBlocks.read(dataFile, tok, c.seq(), c.heldOut());
        List<long[]> train = data.train();
        int nv = Math.min(c.validation(), train.size() / 2);
        if (nv < 1) {
            throw LinforgeException.badInput(dataFile, "text", "needs at least two training blocks of " + c.seq()
                    + " tokens (one for validation); lower --seq");
        }
        List<long[]> validation = train.subList(train.size() - nv, train.size());
        List<long[]> calib = train.subList(0, Math.min(c.samples(), train.size() - nv));
        ObjectNode r = JSON.createObjectNode();
        Budget budget = new Budget("perplexity", () -> CausalLmTrainer.perplexity(model, validation),
                (original, value) -> value <= c.maxPerplexityRatio() * original);
        double baseVal = budget.validate();
        double baseTest = CausalLmTrainer.perplexity(model, data.test());
        long paramsBefore = model.parameterCount();
        List<LayerStatistics> stats = Capture.blocks(model, calib, 16, true, null);
        Outcome o = replace(model, stats, c.maxBlocks(), budget, baseVal, r.putArray("tried"));
        double test = CausalLmTrainer.perplexity(model, data.test());
        double kl;
        try (TransformerModel original = TransformerModel.load(config, tensors, modelDir, model.manager(), DataType.FLOAT32)) {
            kl = Distiller.meanKl((DecoderModel) original, model, data.test());
        }
        Checkpoint.save(out, model.config(), model.stateDict(), modelDir.resolve(Checkpoint.TOKENIZER));
        r.put("calibration_blocks", calib.size());
        r.put("validation_blocks", validation.size());
        r.put("validation_perplexity_before", baseVal);
        r.put("validation_perplexity_after", o.validation());
        r.put("validation_perplexity_ratio", o.validation() / baseVal);
        r.put("test_perplexity_before", baseTest);
        r.put("test_perplexity_after", test);
        r.put("test_perplexity_ratio", test / baseTest);
        r.put("test_blocks", data.test().size());
        r.put("seq", c.seq());
        r.put("test_kl_to_original", kl);
        report(r, model, o, stats.size(), paramsBefore);
        r.put("max_perplexity_ratio", c.maxPerplexityRatio());
        r.put("held_out", c.heldOut());
        return r;
    }

    private static void report(ObjectNode r, TransformerModel model, Outcome o, int layers, long paramsBefore) {
        r.set("replaced_layers", JSON.valueToTree(o.replaced()));
        r.put("layers", layers);
        r.put("parameters_before", paramsBefore);
        r.put("parameters_after", model.parameterCount());
    }

    /**
     * The greedy search shared by every kind of model: tries the layers from the most linear down,
     * each replaced by the ridge fit of its captured statistics, keeps a replacement when the
     * validation metric stays within the budget (and puts the layer back otherwise), and stops
     * after {@code maxBlocks} replacements. Each try is recorded in {@code tried}.
     */
    static Outcome replace(TransformerModel model, List<LayerStatistics> stats, int maxBlocks, Budget budget,
            double original, ArrayNode tried) {
        List<Integer> order = new ArrayList<>();
        double[] score = new double[stats.size()];
        for (int l = 0; l < stats.size(); l++) {
            score[l] = Linearity.score(stats.get(l));
            order.add(l);
        }
        order.sort(Comparator.comparingDouble(l -> -score[l]));
        List<Integer> replaced = new ArrayList<>();
        double val = original;
        for (int l : order) {
            if (replaced.size() >= maxBlocks) {
                break;
            }
            Linearity.Fit fit = Linearity.fit(stats.get(l), Linearity.DEFAULT_RIDGE);
            int d = fit.bias().length;
            float[] w = new float[d * d];
            float[] b = new float[d];
            for (int o = 0; o < d; o++) {
                b[o] = (float) fit.bias()[o];
                for (int i = 0; i < d; i++) {
                    w[o * d + i] = (float) fit.weight()[o][i];
                }
            }
            HiddenBlock old = model.layers().get(l);
            LinearMapBlock block = model.linearMap(l, w, b);
            model.layers().set(l, block);
            double v = budget.validate();
            boolean keep = budget.within().test(original, v);
            ObjectNode t = tried.addObject();
            t.put("layer", l);
            t.put("linearity", score[l]);
            t.put("validation_" + budget.metric(), v);
            t.put("kept", keep);
            LOG.info(String.format(java.util.Locale.ROOT, "layer %d (linearity %.4f): validation %s %.4f -> %s", l, score[l],
                    budget.metric(), v, keep ? "replaced" : "kept as is"));
            model.layers().set(l, old);
            if (keep) {
                model.commitLinearMap(block);
                replaced.add(l);
                val = v;
            } else {
                block.parameters().forEach(p -> p.array().close());
            }
        }
        return new Outcome(replaced, val);
    }
}
