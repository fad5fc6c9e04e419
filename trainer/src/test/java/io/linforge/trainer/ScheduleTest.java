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

    @Test
    void jaggedCosineRampsAfterEveryRestartTowardsTheEnvelope() {
        int total = 100;
        int w0 = 10;
        int r = 25;
        int wr = 5;
        double rho = 0.1;
        // first warm-up: linear
        assertEquals(0.1, Schedule.jagged(1, 0, total, w0, r, wr, rho), 1e-12);
        assertEquals(1.0, Schedule.jagged(1, 9, total, w0, r, wr, rho), 1e-12);
        // inside the first period: the plain envelope
        assertEquals(envelope(20, total, w0, rho), Schedule.jagged(1, 20, total, w0, r, wr, rho), 1e-12);
        // restart at 25: ramp (j+1)/wr of the envelope at 30
        assertEquals(0.2 * envelope(30, total, w0, rho), Schedule.jagged(1, 25, total, w0, r, wr, rho), 1e-12);
        assertEquals(envelope(30, total, w0, rho), Schedule.jagged(1, 29, total, w0, r, wr, rho), 1e-12);
        assertEquals(envelope(30, total, w0, rho), Schedule.jagged(1, 30, total, w0, r, wr, rho), 1e-12);
        assertEquals(0.2 * envelope(80, total, w0, rho), Schedule.jagged(1, 75, total, w0, r, wr, rho), 1e-12);
        // the envelope ends at the floor, never below it
        assertTrue(Schedule.jagged(1, 99, total, w0, r, wr, rho) >= rho);
        assertEquals(envelope(99, total, w0, rho), Schedule.jagged(1, 99, total, w0, r, wr, rho), 1e-12);
        // the rate just after a restart is far below the one just before it
        assertTrue(Schedule.jagged(1, 50, total, w0, r, wr, rho) < 0.25 * Schedule.jagged(1, 49, total, w0, r, wr, rho));
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
