package io.linforge.core.metric;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LogitsTest {
    /** softmax by its definition, for the expected values. */
    static double[] softmax(float[] z) {
        double[] p = new double[z.length];
        double s = 0;
        for (int i = 0; i < z.length; i++) {
            p[i] = Math.exp(z[i]);
            s += p[i];
        }
        for (int i = 0; i < z.length; i++) {
            p[i] /= s;
        }
        return p;
    }

    @Test
    void meanKlMatchesTheDefinitionAndIsNotSymmetric() {
        float[][] ref = {{0.5f, 0.5f, -1.0f}, {-1.0f, 2.0f, 1.0f}};
        float[][] cand = {{1.5f, -0.5f, 0.25f}, {-2.0f, 0.75f, 3.0f}};
        double want = 0;
        double reverse = 0;
        for (int r = 0; r < 2; r++) {
            double[] p = softmax(ref[r]);
            double[] q = softmax(cand[r]);
            for (int j = 0; j < 3; j++) {
                want += p[j] * Math.log(p[j] / q[j]);
                reverse += q[j] * Math.log(q[j] / p[j]);
            }
        }
        assertEquals(want / 2, Logits.meanKl(ref, cand), 1e-12);
        assertEquals(reverse / 2, Logits.meanKl(cand, ref), 1e-12);
        assertTrue(Math.abs(want - reverse) > 1e-3, "the direction matters for these rows");
        assertEquals(0, Logits.meanKl(ref, ref), 1e-12);
    }

    @Test
    void largeLogitsStayFiniteAndNonFiniteOnesGiveNaN() {
        // exp(1000) overflows a double; the shifted log-softmax does not
        assertEquals(0.1201145069582776, Logits.kl(new float[] {1000, 1000}, new float[] {1000, 999}), 1e-12);
        assertEquals(Math.log(2), Logits.kl(new float[] {0, Float.NEGATIVE_INFINITY}, new float[] {0, 0}), 1e-12);
        assertTrue(Double.isNaN(Logits.kl(new float[] {Float.NaN, 0}, new float[] {0, 0})));
        assertTrue(Double.isNaN(Logits.kl(new float[] {0, 0}, new float[] {Float.POSITIVE_INFINITY, 0})));
    }

    @Test
    void accuracyCountsTheArgmaxFirstOnTies() {
        float[][] z = {{1, 3, 2}, {5, 5, 0}, {0, 0, 1}, {Float.NaN, 1, 0}};
        assertEquals(1, Logits.argmax(z[0]));
        assertEquals(0, Logits.argmax(z[1]));
        assertEquals(1, Logits.argmax(z[3]));
        assertEquals(-1, Logits.argmax(new float[] {Float.NaN, Float.NaN}));
        assertEquals(0.75, Logits.accuracy(z, new int[] {1, 0, 0, 1}), 0);
        assertTrue(Double.isNaN(Logits.accuracy(new float[0][], new int[0])));
    }
}
