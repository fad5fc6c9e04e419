package io.linforge.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.linforge.core.LinforgeException;
import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.core.checkpoint.Safetensors;
import io.linforge.core.tensor.TensorData;
import io.linforge.model.EncoderModel;
import io.linforge.model.ForwardContext;
import io.linforge.model.Linear;
import io.linforge.model.TransformerModel;
import io.linforge.trainer.lora.LoraLinear;
import io.linforge.trainer.lora.LoraSetup;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DistillerTest {
    static final Path HF = Path.of("../core/src/test/resources/fixtures/hf");

    static final float[] STUDENT = {1.5f, -0.5f, 0.25f, -2.0f, 0.75f, 3.0f, 0.1f, 0.2f, -0.3f};
    static final float[] TEACHER = {0.5f, 0.5f, -1.0f, -1.0f, 2.0f, 1.0f, 1.2f, -0.4f, 0.0f};
    static final long[] LABELS = {0, 1, 2};

    static double[] softmax(float[] z, int off, int k, double t) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < k; j++) {
            max = Math.max(max, z[off + j] / t);
        }
        double s = 0;
        double[] p = new double[k];
        for (int j = 0; j < k; j++) {
            p[j] = Math.exp(z[off + j] / t - max);
            s += p[j];
        }
        for (int j = 0; j < k; j++) {
            p[j] /= s;
        }
        return p;
    }

    /** α·T²·mean KL(softmax(t/T) ‖ softmax(s/T)) + (1−α)·mean CE(s, y), in float64. */
    static double reference(double t, double alpha) {
        double kl = 0;
        double ce = 0;
        for (int r = 0; r < 3; r++) {
            double[] p = softmax(TEACHER, r * 3, 3, t);
            double[] q = softmax(STUDENT, r * 3, 3, t);
            for (int j = 0; j < 3; j++) {
                kl += p[j] * Math.log(p[j] / q[j]);
            }
            ce -= Math.log(softmax(STUDENT, r * 3, 3, 1)[(int) LABELS[r]]);
        }
        return alpha * t * t * kl / 3 + (1 - alpha) * ce / 3;
    }

    @Test
    void lossIsTheTemperatureScaledKlMixedWithCrossEntropy() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray s = m.create(STUDENT, new Shape(3, 3));
            NDArray t = m.create(TEACHER, new Shape(3, 3));
            for (double[] c : new double[][] {{2, 0.5}, {1, 1}, {4, 0.25}, {2, 0}}) {
                double got = Distiller.loss(s, t, m.create(LABELS), 3, c[0], c[1]).getFloat();
                assertEquals(reference(c[0], c[1]), got, 1e-5, "T=" + c[0] + " alpha=" + c[1]);
            }
            // identical logits: the KL term vanishes, leaving (1 − α)·CE
            double ce = reference(2, 0);
            assertEquals(0.5 * ce, Distiller.loss(s, s, m.create(LABELS), 3, 2, 0.5).getFloat(), 1e-5);
        }
    }

    /** A language model's loss: the KL over every position of a block, the cross-entropy over next tokens. */
    @Test
    void causalLmLossIsTheKlOverEveryPositionMixedWithTheNextTokenLoss() {
        long[] ids = {0, 2, 1};
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray s = m.create(STUDENT, new Shape(1, 3, 3));
            NDArray t = m.create(TEACHER, new Shape(1, 3, 3));
            NDArray x = m.create(new long[][] {ids});
            for (double[] c : new double[][] {{2, 0.5}, {1, 1}, {4, 0.25}}) {
                double kl = reference(c[0], 1) / (c[0] * c[0]);
                double ce = -(Math.log(softmax(STUDENT, 0, 3, 1)[2]) + Math.log(softmax(STUDENT, 3, 3, 1)[1])) / 2;
                double want = c[1] * c[0] * c[0] * kl + (1 - c[1]) * ce;
                assertEquals(want, Distiller.causalLmLoss(s, t, x, c[0], c[1]).getFloat(), 1e-5, "T=" + c[0]);
            }
            // per-position KL at T = 1, as meanKl over blocks averages it
            float[] kl = Distiller.kl(t, s, 1).toFloatArray();
            assertEquals(3, kl.length);
            double sum = 0;
            for (float v : kl) {
                sum += v;
            }
            assertEquals(reference(1, 1), sum / 3, 1e-6);
        }
    }

    @Test
    void gradientOfTheSoftTermIsTTimesTheProbabilityGap() {
        double temp = 2;
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray s = m.create(STUDENT, new Shape(3, 3));
            s.setRequiresGradient(true);
            NDArray t = m.create(TEACHER, new Shape(3, 3));
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(Distiller.loss(s, t, null, 3, temp, 1.0));
            }
            float[] g = s.getGradient().toFloatArray();
            for (int r = 0; r < 3; r++) {
                double[] p = softmax(TEACHER, r * 3, 3, temp);
                double[] q = softmax(STUDENT, r * 3, 3, temp);
                for (int j = 0; j < 3; j++) {
                    assertEquals(temp * (q[j] - p[j]) / 3, g[r * 3 + j], 1e-6);
                }
            }
        }
    }

    @Test
    void foldingTheAdaptersKeepsTheOutputAndRemovesThem() throws Exception {
        Map<String, TensorData> in = Safetensors.readAll(HF.resolve("bert/expected.safetensors"));
        long[][] ids = in.get("input_ids").toLongMatrix();
        long[][] mask = in.get("attention_mask").toLongMatrix();
        try (NDManager root = NDManager.newBaseManager(); Checkpoint c = Checkpoint.open(HF.resolve("bert"));
                TransformerModel tm = TransformerModel.load(c, root, DataType.FLOAT32)) {
            EncoderModel model = (EncoderModel) tm;
            float[] plain = logits(model, ids, mask);
            Map<String, LoraLinear> lora = LoraSetup.inject(model, List.of("query", "value", "dense"),
                    List.of(model.pooler(), model.classifier()), 4, 8, false, 0.0, 3);
            SplittableRandom rng = new SplittableRandom(11);
            for (LoraLinear l : lora.values()) {
                long[] shape = l.b().array().getShape().getShape();
                float[] v = new float[(int) (shape[0] * shape[1])];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (rng.nextDouble() - 0.5);
                }
                l.b().set(model.manager().create(v, new Shape(shape)));
            }
            float[] adapted = logits(model, ids, mask);
            double moved = 0;
            for (int i = 0; i < plain.length; i++) {
                moved = Math.max(moved, Math.abs(plain[i] - adapted[i]));
            }
            assertTrue(moved > 1e-3, "the adapters change the output (" + moved + ")");
            long params = model.parameterCount();
            new TrainingMethod(List.of(), lora).fold();
            for (Linear l : model.linears().values()) {
                assertTrue(l.adapters().isEmpty(), l.name());
            }
            assertEquals(params, model.parameterCount());
            float[] folded = logits(model, ids, mask);
            for (int i = 0; i < adapted.length; i++) {
                assertEquals(adapted[i], folded[i], 1e-5);
            }
        }
    }

    static float[] logits(EncoderModel model, long[][] ids, long[][] mask) {
        try (NDManager m = model.manager().newSubManager()) {
            return model.forward(ids, mask, null, new ForwardContext(m, false, DataType.FLOAT32), false).logits()
                    .toFloatArray();
        }
    }

    @Test
    void badSettingsAreBadInput() {
        assertThrows(LinforgeException.class, () -> Distiller.check(Distiller.Config.of(10, 16, 3e-4, 128, 0, 0.5, 1)));
        assertThrows(LinforgeException.class, () -> Distiller.check(Distiller.Config.of(10, 16, 3e-4, 128, 2, 1.5, 1)));
        assertThrows(LinforgeException.class, () -> Distiller.check(Distiller.Config.of(0, 16, 3e-4, 128, 2, 0.5, 1)));
        Distiller.check(Distiller.Config.of(10, 16, 3e-4, 128, 2, 0.5, 1));
    }
}
