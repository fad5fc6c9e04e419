package io.linforge.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.linforge.model.Parameter;
import io.linforge.trainer.optim.AdamW;
import io.linforge.trainer.optim.Schedule;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AdamWTest {
    /** The update rule of torch.optim.AdamW, written out in float64. */
    static void reference(double[] w, double[] m, double[] v, double[] g, int t, double lr, double b1, double b2,
            double eps, double wd) {
        for (int i = 0; i < w.length; i++) {
            w[i] *= 1 - lr * wd;
            m[i] = b1 * m[i] + (1 - b1) * g[i];
            v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
            double mh = m[i] / (1 - Math.pow(b1, t));
            double vh = v[i] / (1 - Math.pow(b2, t));
            w[i] -= lr * mh / (Math.sqrt(vh) + eps);
        }
    }

    @Test
    void matchesTheAdamWUpdateRuleOverTenSteps() {
        double[] w = {0.5, -1.25, 2.0, 0.0};
        double[] m = new double[4];
        double[] v = new double[4];
        try (NDManager root = NDManager.newBaseManager()) {
            Parameter p = new Parameter("layer.weight", root.create(new float[] {0.5f, -1.25f, 2.0f, 0.0f}));
            p.setTrainable(true);
            try (AdamW opt = new AdamW(root, 0.9, 0.999, 1e-8, 0.1)) {
                for (int t = 1; t <= 10; t++) {
                    double[] g = {Math.sin(t), 0.3 * t, -0.7, t % 2 == 0 ? 1e-3 : -2.0};
                    float[] gf = new float[4];
                    for (int i = 0; i < 4; i++) {
                        gf[i] = (float) g[i];
                    }
                    double lr = Schedule.lr(Schedule.Kind.COSINE, 0.05, t - 1, 3, 10);
                    try (NDManager s = root.newSubManager()) {
                        NDArray grad = s.create(gf);
                        opt.step(List.of(p), Map.of(p.name(), grad), lr, 1.0);
                    }
                    reference(w, m, v, g, t, lr, 0.9, 0.999, 1e-8, 0.1);
                }
                float[] got = p.array().toFloatArray();
                for (int i = 0; i < 4; i++) {
                    assertEquals(w[i], got[i], 1e-5 * Math.max(1, Math.abs(w[i])), "element " + i);
                }
                assertEquals(2 * 4 * 4, opt.stateBytes());
            }
        }
    }

    @Test
    void schedulesAndClipping() {
        assertEquals(0.25, Schedule.lr(Schedule.Kind.LINEAR, 1.0, 0, 4, 12), 1e-12);
        assertEquals(1.0, Schedule.lr(Schedule.Kind.LINEAR, 1.0, 4, 4, 12), 1e-12);
        assertEquals(0.5, Schedule.lr(Schedule.Kind.LINEAR, 1.0, 8, 4, 12), 1e-12);
        assertEquals(0.5, Schedule.lr(Schedule.Kind.COSINE, 1.0, 8, 4, 12), 1e-12);
        assertEquals(0.5, Schedule.clipScale(2.0, 1.0), 1e-6);
        assertEquals(1.0, Schedule.clipScale(0.5, 1.0), 0);
    }
}
