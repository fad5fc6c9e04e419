package io.linforge.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.trainer.optim.Schedule;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccumulationTest {
    @TempDir
    Path tmp;

    float[] trainOnce(Path model, Path text, int batch, int accumulate, String name) {
        TrainConfig b = TinyLlama.config("full", 2, batch, accumulate, 1e-2, 21);
        TrainConfig c = new TrainConfig(b.method(), 2, batch, b.lr(), b.seq(), b.rank(), b.alpha(), 0, false,
                b.targets(), b.seed(), 0, 1, 0, 0, 0, 4, 0, false, accumulate, Schedule.Kind.CONSTANT, b.relora(),
                b.sparseGrad(), 0);
        ObjectNode r = CausalLmTrainer.train(model, text, tmp.resolve(name), c, 0.1);
        assertEquals(accumulate, r.get("accumulate").asInt());
        try (Checkpoint ck = Checkpoint.open(tmp.resolve(name))) {
            return ck.tensor("model.layers.1.mlp.down_proj.weight").toFloats();
        }
    }

    @Test
    void twoMicroBatchesOfTwoEqualOneBatchOfFour() throws Exception {
        Path model = TinyLlama.create(tmp, 1);
        Path text = TinyLlama.text(tmp, 20_000);
        float[] w4 = trainOnce(model, text, 4, 1, "b4");
        float[] w22 = trainOnce(model, text, 2, 2, "b2x2");
        float[] w2 = trainOnce(model, text, 2, 1, "b2");
        double diffAcc = 0;
        double diffSmall = 0;
        for (int i = 0; i < w4.length; i++) {
            diffAcc = Math.max(diffAcc, Math.abs(w4[i] - w22[i]));
            diffSmall = Math.max(diffSmall, Math.abs(w4[i] - w2[i]));
        }
        assertTrue(diffAcc < 2e-5, "accumulated differs by " + diffAcc);
        // a half batch is a different update: the comparison can fail
        assertTrue(diffSmall > 100 * Math.max(diffAcc, 1e-8), "half batch differs only by " + diffSmall);
    }
}
