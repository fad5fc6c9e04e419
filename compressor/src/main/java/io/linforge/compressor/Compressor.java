package io.linforge.compressor;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.core.LinforgeException;
import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.core.config.ModelConfig;
import io.linforge.core.model.EncoderModel;
import io.linforge.core.model.HiddenBlock;
import io.linforge.core.model.LinearMapBlock;
import io.linforge.core.model.TransformerModel;
import io.linforge.core.tensor.TensorData;
import io.linforge.core.text.Tokenizer;
import io.linforge.trainer.ClassifierTrainer;
import io.linforge.trainer.Distiller;
import io.linforge.trainer.data.ClassificationData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Replaces the most linear layers of a classifier with fitted linear maps under an accuracy
 * budget: layers are tried in order of their linearity score (highest first); each replacement is
 * kept only if the accuracy on a validation split (held out of the training rows) stays within
 * {@code maxDrop} of the original; the test split is reported before and after (accuracy, and the
 * mean KL divergence of the compressed model's predictions from the original's).
 */
public final class Compressor {
    /** Settings. */
    public record Config(double maxDrop, int maxBlocks, int samples, int seq, long seed, int validation) {
    }

    private Compressor() {
    }

    public static ObjectNode compress(Path modelDir, ModelConfig config, Map<String, TensorData> tensors, Path dataFile,
            Path out, Config c) throws Exception {
        ClassificationData data = ClassificationData.read(dataFile, c.seed(), 0, 0);
        List<ClassificationData.Example> train = data.train();
        int nv = Math.min(c.validation(), train.size() / 2);
        List<ClassificationData.Example> validation = train.subList(train.size() - nv, train.size());
        List<String> calib = train.subList(0, Math.min(c.samples(), train.size() - nv)).stream()
                .map(ClassificationData.Example::text).toList();
        ObjectNode r = new ObjectMapper().createObjectNode();
        try (Tokenizer tok = Tokenizer.forCheckpoint(modelDir); NDManager root = NDManager.newBaseManager();
                TransformerModel tm = TransformerModel.load(config, tensors, modelDir, root, DataType.FLOAT32)) {
            if (!(tm instanceof EncoderModel model) || !model.hasClassifier()) {
                throw LinforgeException.badInput(modelDir, "architectures",
                        "compress needs a classifier (fine-tune first, or pass its --adapter)");
            }
            double baseVal = ClassifierTrainer.evaluate(model, tok, validation, c.seq());
            float[][] originalTest = Distiller.logits(model, tok, data.test(), c.seq());
            double baseTest = Distiller.accuracy(originalTest, data.test());
            long paramsBefore = model.parameterCount();
            List<LayerStatistics> stats = Capture.layers(model, tok, calib, c.seq(), 16, true, null);
            List<Integer> order = new ArrayList<>();
            double[] score = new double[stats.size()];
            for (int l = 0; l < stats.size(); l++) {
                score[l] = Linearity.score(stats.get(l));
                order.add(l);
            }
            order.sort(Comparator.comparingDouble(l -> -score[l]));
            ArrayNode tried = r.putArray("tried");
            List<Integer> replaced = new ArrayList<>();
            double val = baseVal;
            for (int l : order) {
                if (replaced.size() >= c.maxBlocks()) {
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
                double acc = ClassifierTrainer.evaluate(model, tok, validation, c.seq());
                boolean keep = baseVal - acc <= c.maxDrop();
                ObjectNode t = tried.addObject();
                t.put("layer", l);
                t.put("linearity", score[l]);
                t.put("validation_accuracy", acc);
                t.put("kept", keep);
                System.err.printf("layer %d (linearity %.4f): validation accuracy %.4f -> %s%n", l, score[l], acc,
                        keep ? "replaced" : "kept as is");
                model.layers().set(l, old);
                if (keep) {
                    model.commitLinearMap(block);
                    replaced.add(l);
                    val = acc;
                } else {
                    block.parameters().forEach(p -> p.array().close());
                }
            }
            float[][] compressedTest = Distiller.logits(model, tok, data.test(), c.seq());
            double test = Distiller.accuracy(compressedTest, data.test());
            Checkpoint.save(out, model.config(), model.stateDict(), modelDir.resolve(Checkpoint.TOKENIZER));
            r.put("validation_rows", validation.size());
            r.put("validation_accuracy_before", baseVal);
            r.put("validation_accuracy_after", val);
            r.put("test_accuracy_before", baseTest);
            r.put("test_accuracy_after", test);
            r.put("test_rows", data.test().size());
            r.put("test_kl_to_original", Distiller.meanKl(originalTest, compressedTest));
            r.set("replaced_layers", new ObjectMapper().valueToTree(replaced));
            r.put("layers", stats.size());
            r.put("parameters_before", paramsBefore);
            r.put("parameters_after", model.parameterCount());
            r.put("max_accuracy_drop", c.maxDrop());
        }
        return r;
    }
}
