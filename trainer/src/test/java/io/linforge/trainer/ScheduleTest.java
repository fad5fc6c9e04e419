package io.linforge.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.linforge.trainer.optim.Schedule;
import org.junit.jupiter.api.Test;

class ScheduleTest {
    static double envelope(int t, int total, int warmup, double rho) {
        double p = (double) (t - warmup) / (total - warmup);
        return rho + (1 - rho) * 0.5 * (1 + Math.cos(Math.PI * p));
    }

    /**
     * Values of the ReLoRA authors' {@code _get_cosine_schedule_with_multiple_warmups_lambda} (Guitaricet/relora
     * 176f376, peft_pretraining/training_utils.py) for 100 updates, warm-up 10, restarts every 25 with a
     * 5-update ramp, floor 0.1, computed with their function.
     */
    @Test
    void jaggedCosineEqualsTheReferenceSchedule() {
        int[] t = {0, 5, 9, 10, 20, 24, 25, 26, 29, 30, 50, 75, 99};
        double[] ref = {0.0, 0.5, 0.9, 1.0, 0.9728616793536587, 0.9473264167865172, 0.0, 0.17894399988070803,
            0.7157759995228321, 0.8947199994035401, 0.0, 0.0, 0.10027412784140691};
        for (int i = 0; i < t.length; i++) {
            assertEquals(ref[i], Schedule.jagged(1, t[i], 100, 10, 25, 5, 0.1), 1e-12, "update " + t[i]);
        }
        // the rate just after a restart is far below the one just before it
        assertTrue(Schedule.jagged(1, 51, 100, 10, 25, 5, 0.1) < 0.25 * Schedule.jagged(1, 49, 100, 10, 25, 5, 0.1));
    }

    /**
     * A warm start of 20 updates in 100: the authors' full-rank "cosine" schedule over the 100 updates
     * ({@code _get_cyclical_cosine_schedule_with_min_lr_lambda}, warm-up 10, floor 0.1), then a run from the
     * warmed-up model whose "cosine_restarts" schedule covers the remaining 80 (warm-up 10, restarts every
     * 20, 5-update ramps); the values are those two functions' at t and t − 20.
     */
    @Test
    void warmStartRestartsTheScheduleAsARunFromAWarmedUpModel() {
        int[] t = {0, 5, 10, 19, 20, 25, 29, 30, 40, 41, 44, 45, 60, 99};
        double[] ref = {0.0, 0.5, 1.0, 0.9779754323328191, 0.0, 0.5, 0.9, 1.0, 0.0, 0.1803648334221227,
            0.7214593336884908, 0.9018241671106134, 0.0, 0.10045312005640844};
        for (int i = 0; i < t.length; i++) {
            assertEquals(ref[i], Schedule.jagged(1, t[i], 100, 10, 20, 5, 0.1, 20), 1e-12, "update " + t[i]);
        }
    }

    @Test
    void jaggedWithoutRestartsIsCosineToTheFloor() {
        for (int t = 10; t < 100; t += 7) {
            assertEquals(envelope(t, 100, 10, 0.0), Schedule.lr(Schedule.Kind.JAGGED, 1, t, 10, 100), 1e-12);
            assertEquals(Schedule.lr(Schedule.Kind.COSINE, 1, t, 10, 100), Schedule.lr(Schedule.Kind.JAGGED, 1, t, 10, 100),
                    1e-12);
        }
    }
}
