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

    /**
     * The rates the ReLoRA reference harness logged (tests/reference/results/relora/lr2B/ref-relora-s1.json:
     * 600 updates, warm-up 40, warm start 150 at the full-rank rate 5e-4, then the low-rank phase at 1e-3,
     * restarts every 150 with 10-update ramps, floor 1e-6), at its 1-based updates; linforge runs that
     * procedure in one run with {@code --lr 1e-3 --warm-start 150 --warm-start-lr 5e-4}.
     */
    @Test
    void warmStartAtTheFullRankRateFollowsTheReferenceRun() {
        TrainConfig c = TrainConfig.builder("relora", java.util.List.of("q_proj")).steps(600).lr(1e-3).warmup(40)
                .relora(new TrainConfig.ReLoraOptions(150, 10, "magnitude", 0.9, 150, 1e-6, "zero", 5e-4)).build();
        int[] update = {1, 2, 39, 40, 100, 149, 150, 151, 160, 161, 300, 301, 311, 450, 451, 599};
        double[] ref = {0.0, 1.25e-05, 0.000475, 0.0004875, 0.0004864303457965266, 0.0004555005633614587,
            0.00045469863447602854, 0.0, 0.00022500000000000002, 0.00025, 0.000835513423443558, 0.0,
            0.0008031129023706135, 0.0002989683460735381, 0.0, 5.971148944768113e-08};
        io.linforge.trainer.Method relora = io.linforge.trainer.Methods.get("relora");
        for (int i = 0; i < update.length; i++) {
            assertEquals(ref[i], relora.learningRate(c, Schedule.Kind.JAGGED, update[i] - 1), 1e-15, "update " + update[i]);
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
