package io.linforge.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LinearityRegularizerTest {
    @TempDir
    Path tmp;

    @Test
    void penaltyIsOneMinusCosineSummedOverLayersAndAveragedOverTokens() {
        try (NDManager m = NDManager.newBaseManager()) {
            // token 0: h0 = (1,0), h1 = (0,2) orthogonal → 1; h2 = (0,-1) opposite → 2
            // token 1: h0 = h1 = h2 = (3,4) → 0;   token 2 is padding
            NDArray h0 = m.create(new float[] {1, 0, 3, 4, 9, 9}, new Shape(1, 3, 2));
            NDArray h1 = m.create(new float[] {0, 2, 3, 4, -9, 1}, new Shape(1, 3, 2));
            NDArray h2 = m.create(new float[] {0, -1, 3, 4, 1, -9}, new Shape(1, 3, 2));
            NDArray mask = m.create(new long[] {1, 1, 0}, new Shape(1, 3));
            float r = LinearityRegularizer.penalty(List.of(h0, h1, h2), mask).getFloat();
            assertEquals((1 + 2 + 0) / 2.0, r, 1e-6);
        }
    }

    @Test
    void theTermChangesWhatTrainingLearns() throws Exception {
        Path model = TinyLlama.create(tmp, 2);
        Path text = TinyLlama.text(tmp, 20_000);
        double[] last = new double[2];
        double[] lambdas = {0.0, 5.0};
        for (int k = 0; k < 2; k++) {
            TrainConfig b = TinyLlama.config("full", 15, 4, 1, 1e-2, 8);
            TrainConfig c = new TrainConfig(b.method(), b.steps(), b.batch(), b.lr(), b.seq(), b.rank(), b.alpha(), 0,
                    false, b.targets(), b.seed(), 0, b.warmup(), 0, 1.0, 0, 4, 0, false, 1, null, b.relora(),
                    b.sparseGrad(), k == 0 ? 1e-9 : lambdas[k]);
            ObjectNode r = CausalLmTrainer.train(model, text, tmp.resolve("reg" + k), c, 0.1);
            JsonNode curve = r.get("curve");
            last[k] = curve.get(curve.size() - 1).get("linearity_penalty").asDouble();
        }
        // with λ = 5 the consecutive residual states end up much closer in direction
        assertTrue(last[1] < 0.8 * last[0], "penalty " + last[0] + " (λ≈0) vs " + last[1] + " (λ=5)");
    }
}
