package io.linforge.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.core.LinforgeException;
import io.linforge.model.ForwardContext;
import io.linforge.model.Parameter;
import io.linforge.trainer.optim.Schedule;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training loop skips an update whose loss or gradient is not finite: the weights stay as
 * they were, the step is counted in {@code skipped_steps}, and the message names the parameters.
 */
class NonFiniteGuardTest {
    @TempDir
    Path tmp;

    /** loss = Σ (w − target)² on a 3-vector; at update {@code poisoned} (0-based) the loss is multiplied by NaN. */
    float[] train(int steps, int poisoned, ObjectNode result) {
        return train(steps, poisoned, 0.1, 0, result);
    }

    float[] train(int steps, int poisoned, double lr, double weightDecay, ObjectNode result) {
        try (NDManager m = NDManager.newBaseManager()) {
            Parameter w = new Parameter("w", m.create(new float[] {1f, -2f, 3f}));
            NDArray target = m.create(new float[] {0.5f, 0.5f, 0.5f});
            TrainLoop.Task task = new TrainLoop.Task() {
                @Override
                public TrainLoop.MicroBatch forward(long first, ForwardContext ctx, boolean wantHidden) {
                    NDArray loss = w.array().sub(target).square().sum();
                    if (first == poisoned || poisoned == Integer.MAX_VALUE) {
                        loss = loss.mul(Float.NaN);
                    }
                    return new TrainLoop.MicroBatch(loss, null, null, 3);
                }

                @Override
                public double evaluate() {
                    return 0;
                }

                @Override
                public String metric() {
                    return "eval_loss";
                }
            };
            TrainConfig c = new TrainConfig("full", steps, 1, lr, 8, 4, 8, 0, false, List.of(), 7, 0, 1, weightDecay, 0, 0, 0,
                    0, false, 1, Schedule.Kind.CONSTANT, TrainConfig.ReLoraOptions.defaults(steps),
                    TrainConfig.SparseGradOptions.defaults(), 0);
            try (TrainingMethod method = new TrainingMethod(List.of(w), Map.of())) {
                TrainLoop.run(c, task, method, m, tmp.resolve("out-" + steps + "-" + poisoned), Schedule.Kind.CONSTANT,
                        result);
            }
            return w.array().toFloatArray();
        }
    }

    @Test
    void aNonFiniteUpdateIsSkippedAndLeavesTheWeightsAlone() {
        ObjectNode clean = new ObjectMapper().createObjectNode();
        float[] two = train(2, -1, clean);
        assertEquals(0, clean.get("skipped_steps").asInt());
        ObjectNode poisoned = new ObjectMapper().createObjectNode();
        // three updates, the last one poisoned: the weights are those of two clean updates
        float[] skippedLast = train(3, 2, poisoned);
        assertEquals(1, poisoned.get("skipped_steps").asInt());
        assertArrayEquals(two, skippedLast, 0f, "a skipped update changes nothing");
        for (float v : skippedLast) {
            assertTrue(Float.isFinite(v));
        }
        assertTrue(Math.abs(two[0] - 1f) > 1e-3, "the clean updates moved the weights");
        // training goes on after a skip as if the poisoned update had not been there (the loss
        // depends on the weights only and AdamW counts only the updates it made)
        float[] three = train(3, -1, new ObjectMapper().createObjectNode());
        float[] skippedThird = train(4, 2, new ObjectMapper().createObjectNode());
        assertArrayEquals(three, skippedThird, 0f, "the update after a skip is the update that was skipped");
    }

    @Test
    void theMessageNamesTheNonFiniteGradients() {
        try (NDManager m = NDManager.newBaseManager()) {
            String bad = TrainLoop.nonFinite(Map.of("a", m.create(new float[] {1f, Float.NaN}),
                    "b", m.create(new float[] {2f}), "c", m.create(new float[] {Float.POSITIVE_INFINITY})));
            assertTrue(bad.contains("a (NaN)") && bad.contains("c (inf)") && !bad.contains("b ("), bad);
            String ok = TrainLoop.nonFinite(Map.of("a", m.create(new float[] {1e30f})));
            assertTrue(ok.contains("norm overflowed"), ok);
        }
    }

    @Test
    void aRunWhoseEveryUpdateWasSkippedFails() {
        LinforgeException e = assertThrows(LinforgeException.class,
                () -> train(3, Integer.MAX_VALUE, new ObjectMapper().createObjectNode()));
        assertEquals(LinforgeException.FAILURE, e.exitCode());
        assertTrue(e.getMessage().startsWith("all 3 updates were skipped"), e.getMessage());
    }

    @Test
    void weightsThatTurnNonFiniteFailTheRun() {
        // finite settings whose product is not: the decay factor 1 − lr·wd is −infinity in fp32
        LinforgeException e = assertThrows(LinforgeException.class,
                () -> train(2, -1, 1e38, 1e38, new ObjectMapper().createObjectNode()));
        assertEquals(LinforgeException.FAILURE, e.exitCode());
        assertTrue(e.getMessage().startsWith("training made 'w' non-finite"), e.getMessage());
    }
}
