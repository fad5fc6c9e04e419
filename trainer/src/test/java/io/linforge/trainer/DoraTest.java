package io.linforge.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.core.text.Tokenizer;
import io.linforge.model.DecoderModel;
import io.linforge.model.ForwardContext;
import io.linforge.model.Linear;
import io.linforge.model.Parameter;
import io.linforge.model.TransformerModel;
import io.linforge.model.text.HfTokenizer;
import io.linforge.trainer.data.TextBlocks;
import io.linforge.trainer.lora.LoraLinear;
import io.linforge.trainer.optim.Schedule;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --method dora} on the DJL forward: the layer, its gradients, training, and the folded output. */
class DoraTest {
    @TempDir
    Path tmp;

    static float[] gaussian(int n, long seed, double scale) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * scale);
        }
        return v;
    }

    static void set(Parameter p, float[] v) {
        p.array().setRequiresGradient(false);
        p.array().set(FloatBuffer.wrap(v));
    }

    @Test
    void layerIsMagnitudeTimesDirectionAndTheNormGetsNoGradient() throws Exception {
        Path dir = TinyLlama.create(tmp, 3);
        TrainConfig c = TinyLlama.config("dora", 4, 2, 1, 1e-3, 1);
        try (NDManager root = NDManager.newBaseManager(); Checkpoint ck = Checkpoint.open(dir);
                TransformerModel tm = TransformerModel.load(ck, root, DataType.FLOAT32);
                TrainingMethod method = Methods.create(tm, c, List.of(), List.of())) {
            LoraLinear l = method.adapters().get("model.layers.0.self_attn.q_proj");
            Parameter mag = l.parameters().get(2);
            assertEquals("model.layers.0.self_attn.q_proj.lora_magnitude_vector", mag.name());
            int out = (int) l.base().outFeatures();
            int in = (int) l.base().inFeatures();
            int r = (int) l.a().array().getShape().get(0);
            float[] w = l.base().weight().array().toFloatArray();
            // starts at the row norms of W
            float[] m0 = mag.array().toFloatArray();
            for (int o = 0; o < out; o++) {
                double n = 0;
                for (int i = 0; i < in; i++) {
                    n += w[o * in + i] * w[o * in + i];
                }
                assertEquals(Math.sqrt(n), m0[o], 1e-5, "initial magnitude " + o);
            }
            float[] a = l.a().array().toFloatArray();
            float[] b = gaussian(out * r, 5, 0.3);
            float[] m = gaussian(out, 6, 0.2);
            for (int o = 0; o < out; o++) {
                m[o] += m0[o];
            }
            set(l.b(), b);
            set(mag, m);
            double s = l.scaling();
            // V = W + s·B·A and its row norms, in float64
            double[] v = new double[out * in];
            double[] norm = new double[out];
            for (int o = 0; o < out; o++) {
                for (int i = 0; i < in; i++) {
                    double ba = 0;
                    for (int k = 0; k < r; k++) {
                        ba += b[o * r + k] * a[k * in + i];
                    }
                    v[o * in + i] = w[o * in + i] + s * ba;
                    norm[o] += v[o * in + i] * v[o * in + i];
                }
                norm[o] = Math.sqrt(norm[o]);
            }
            int t = 3;
            float[] x = gaussian(t * in, 7, 1.0);
            for (Parameter p : List.of(l.a(), l.b(), mag)) {
                p.setTrainable(true);
            }
            float[] y;
            try (NDManager sm = root.newSubManager()) {
                NDArray xs = sm.create(x, new Shape(t, in));
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray out1 = l.base().forward(xs, new ForwardContext(sm, true, DataType.FLOAT32));
                    y = out1.toFloatArray();
                    gc.backward(out1.sum());
                }
                float[] gb = l.b().array().getGradient().toFloatArray();
                float[] gm = mag.array().getGradient().toFloatArray();
                for (int o = 0; o < out; o++) {
                    double sumDot = 0;
                    for (int q = 0; q < t; q++) {
                        double dot = 0;
                        for (int i = 0; i < in; i++) {
                            dot += v[o * in + i] * x[q * in + i];
                        }
                        // y = m · V·x / ‖V‖ (no bias on q_proj)
                        assertEquals(m[o] * dot / norm[o], y[q * out + o], 1e-4, "y[" + q + ", " + o + "]");
                        sumDot += dot;
                    }
                    assertEquals(sumDot / norm[o], gm[o], 1e-3, "d/dm " + o);
                    // with ‖V‖ held constant: d sum(y) / dB[o, k] = (m/‖V‖)·s·Σ_q A[k]·x_q
                    for (int k = 0; k < r; k++) {
                        double ax = 0;
                        for (int q = 0; q < t; q++) {
                            for (int i = 0; i < in; i++) {
                                ax += a[k * in + i] * x[q * in + i];
                            }
                        }
                        assertEquals(m[o] / norm[o] * s * ax, gb[o * r + k], 1e-3, "d/dB[" + o + ", " + k + "]");
                    }
                }
            }
        }
    }

    @Test
    void trainingMovesMagnitudesAndFactorsAndLowersTheLoss() throws Exception {
        Path dir = TinyLlama.create(tmp, 5);
        Path text = TinyLlama.text(tmp, 30_000);
        TrainConfig c = TinyLlama.config("dora", 12, 4, 1, 5e-3, 3);
        try (NDManager root = NDManager.newBaseManager(); Checkpoint ck = Checkpoint.open(dir);
                Tokenizer tok = HfTokenizer.forCheckpoint(ck); TransformerModel tm = TransformerModel.load(ck, root, DataType.FLOAT32)) {
            DecoderModel model = (DecoderModel) tm;
            TextBlocks data = TextBlocks.read(text, tok, 32, 0.1);
            try (TrainingMethod method = Methods.create(model, c, CausalLmTrainer.others(model), List.of(model.lmHead()))) {
                assertEquals(14, method.adapters().size());
                LoraLinear l = method.adapters().get("model.layers.1.mlp.down_proj");
                float[] m0 = l.parameters().get(2).array().toFloatArray();
                float[] a0 = l.a().array().toFloatArray();
                ObjectNode r = TrainLoop.run(c, CausalLmTrainer.task(model, data.train(), data.test(), c), method,
                        model.manager(), tmp.resolve("out"), Schedule.Kind.CONSTANT, JsonNodeFactory.instance.objectNode());
                double first = r.get("curve").get(0).get("loss").asDouble();
                double last = r.get("final_loss").asDouble();
                assertTrue(last < first - 0.5, "loss " + first + " -> " + last);
                assertTrue(maxDiff(m0, l.parameters().get(2).array().toFloatArray()) > 1e-3, "magnitude moved");
                assertTrue(maxDiff(a0, l.a().array().toFloatArray()) > 1e-3, "A moved");
                assertTrue(maxDiff(new float[m0.length * 4], l.b().array().toFloatArray()) > 1e-3, "B moved");
            }
        }
    }

    @Test
    void decoderOutputIsTheTrainedModelWithDoraFoldedIn() throws Exception {
        Path model = TinyLlama.create(tmp, 7);
        Path text = TinyLlama.text(tmp, 30_000);
        Path out = tmp.resolve("dora");
        ObjectNode r = CausalLmTrainer.train(model, text, out, TinyLlama.config("dora", 8, 4, 1, 1e-2, 11), 0.1);
        assertEquals("dora", r.get("method").asText());
        double ppl = r.get("eval_perplexity").asDouble();
        try (Checkpoint ck = Checkpoint.open(out); NDManager m = NDManager.newBaseManager();
                TransformerModel tm = TransformerModel.load(ck, m, DataType.FLOAT32); Tokenizer tok = HfTokenizer.forCheckpoint(ck)) {
            assertTrue(ck.tensorNames().stream().noneMatch(n -> n.contains("lora")));
            TextBlocks data = TextBlocks.read(text, tok, 32, 0.1);
            double again = CausalLmTrainer.perplexity((DecoderModel) tm, data.test().subList(0, 16));
            assertEquals(ppl, again, 1e-4 * ppl);
        }
        try (Checkpoint a = Checkpoint.open(model); Checkpoint b = Checkpoint.open(out)) {
            String q = "model.layers.0.self_attn.q_proj.weight";
            assertTrue(maxDiff(a.tensor(q).toFloats(), b.tensor(q).toFloats()) > 1e-4, "the fold changed q_proj");
        }
    }

    static double maxDiff(float[] x, float[] y) {
        double d = 0;
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            d = Math.max(d, Math.abs(x[i] - y[i]));
        }
        return d;
    }
}
