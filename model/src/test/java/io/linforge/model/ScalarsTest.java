package io.linforge.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The constants that autograd keeps for the backward pass survive a garbage collection between the
 * forward and the backward pass (DJL's {@code x.mul(3f)} would leave the backward pass reading freed
 * memory, here refilled with 42).
 */
class ScalarsTest {
    /** The gradient of {@code sum(f(x))} at x = (1, 2, 3, 4) after a collection that frees and refills Java direct buffers. */
    static float[] gradientAfterCollection(Function<NDArray, NDArray> f) throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(new float[] {1, 2, 3, 4});
            x.setRequiresGradient(true);
            List<ByteBuffer> refill = new ArrayList<>();
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray y = f.apply(x).sum();
                for (int i = 0; i < 3; i++) {
                    System.gc();
                    Thread.sleep(50);
                }
                for (int i = 0; i < 2000; i++) {
                    ByteBuffer b = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder());
                    b.putFloat(0, 42f);
                    refill.add(b);
                }
                gc.backward(y);
            }
            float[] g = x.getGradient().toType(DataType.FLOAT32, false).toFloatArray();
            refill.clear();
            return g;
        }
    }

    @Test
    void constantsOfTheGraphOutliveACollection() throws Exception {
        assertArrayEquals(new float[] {3, 3, 3, 3}, gradientAfterCollection(x -> Scalars.mul(x, 3)));
        assertArrayEquals(new float[] {0.25f, 0.25f, 0.25f, 0.25f}, gradientAfterCollection(x -> Scalars.div(x, 4)));
        // d/dx x^3 = 3x^2
        assertArrayEquals(new float[] {3, 12, 27, 48}, gradientAfterCollection(x -> Scalars.pow(x, 3)));
        // max(x, 2.5): gradient 1 where x > 2.5
        assertArrayEquals(new float[] {0, 0, 1, 1}, gradientAfterCollection(x -> Scalars.maximum(x, 2.5)));
    }

    @Test
    void theGeluOfTrainingSurvivesACollection() throws Exception {
        float[] expected = gradientAfterCollectionWithoutGc();
        assertArrayEquals(expected, gradientAfterCollection(x -> Activations.apply("gelu", x)), 1e-5f);
    }

    /** gelu'(x) at 1..4, computed from its formula in float64. */
    static float[] gradientAfterCollectionWithoutGc() {
        float[] g = new float[4];
        for (int i = 0; i < 4; i++) {
            double x = i + 1;
            double cdf = 0.5 * (1 + erf(x / Math.sqrt(2)));
            double pdf = Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);
            g[i] = (float) (cdf + x * pdf);
        }
        return g;
    }

    /** erf to float precision (Abramowitz and Stegun 7.1.26 is not enough; series to convergence). */
    static double erf(double x) {
        double sum = 0;
        double term = x;
        for (int n = 0; n < 200; n++) {
            sum += term / (2 * n + 1);
            term *= -x * x / (n + 1);
        }
        return 2 / Math.sqrt(Math.PI) * sum;
    }
}
