package io.linforge.compressor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;

class LinearityTest {
    static final int N = 3000;
    static final int D = 12;

    static float[] gaussian(Random r, int n, int d, double scale) {
        float[] x = new float[n * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextGaussian() * scale);
        }
        return x;
    }

    /** y = x Aᵀ + c per row, in double then float. */
    static float[] affine(float[] x, double[][] a, double[] c) {
        int n = x.length / D;
        float[] y = new float[x.length];
        for (int t = 0; t < n; t++) {
            for (int o = 0; o < D; o++) {
                double v = c[o];
                for (int i = 0; i < D; i++) {
                    v += a[o][i] * x[t * D + i];
                }
                y[t * D + o] = (float) v;
            }
        }
        return y;
    }

    static LayerStatistics stats(float[] x, float[] y) {
        LayerStatistics s = new LayerStatistics(D);
        for (int t = 0; t < x.length / D; t++) {
            s.add(x, t * D, y, t * D);
        }
        return s;
    }

    static double[][] randomMatrix(Random r) {
        double[][] a = new double[D][D];
        for (double[] row : a) {
            for (int j = 0; j < D; j++) {
                row[j] = r.nextGaussian();
            }
        }
        return a;
    }

    @Test
    void exactlyLinearLayerScoresOne() {
        Random r = new Random(1);
        float[] x = gaussian(r, N, D, 1);
        double[] c = new double[D];
        for (int i = 0; i < D; i++) {
            c[i] = 3 * r.nextGaussian();
        }
        double ls = Linearity.score(stats(x, affine(x, randomMatrix(r), c)));
        assertTrue(ls >= 1 - 1e-9 && ls <= 1 + 1e-9, "LS " + ls);
    }

    @Test
    void stronglyNonLinearLayerScoresFarBelowOne() {
        Random r = new Random(2);
        float[] x = gaussian(r, N, D, 1);
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = (float) Math.sin(3 * x[i]);
        }
        double ls = Linearity.score(stats(x, y));
        assertTrue(ls < 0.2 && ls > 0, "LS " + ls); // only E[x sin 3x] ≈ 0.03 of sin(3x) is linear in x
    }

    @Test
    void invariantToScalingInputsAndOutputs() {
        Random r = new Random(3);
        float[] x = gaussian(r, N, D, 1);
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = (float) (x[i] + 0.5 * Math.tanh(2 * x[(i + 1) % x.length]) + 0.1 * r.nextGaussian());
        }
        double base = Linearity.score(stats(x, y));
        float[] x7 = x.clone();
        float[] y3 = y.clone();
        for (int i = 0; i < x.length; i++) {
            x7[i] *= 7.5f;
            y3[i] *= 0.25f;
        }
        assertEquals(base, Linearity.score(stats(x7, y)), 1e-9);
        assertEquals(base, Linearity.score(stats(x, y3)), 1e-9);
        assertTrue(base > 0.3 && base < 0.999, "a partly linear map: " + base);
    }

    @Test
    void agreesWithTheDirectLeastSquaresFormulation() {
        Random r = new Random(4);
        float[] x = gaussian(r, 800, D, 1);
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = (float) (Math.abs(x[i]) + 0.3 * x[(i + 5) % x.length]);
        }
        int n = 800;
        DMatrixRMaj xm = new DMatrixRMaj(n, D);
        DMatrixRMaj ym = new DMatrixRMaj(n, D);
        for (int t = 0; t < n; t++) {
            for (int j = 0; j < D; j++) {
                xm.set(t, j, x[t * D + j]);
                ym.set(t, j, y[t * D + j]);
            }
        }
        for (DMatrixRMaj m : new DMatrixRMaj[] {xm, ym}) {
            for (int j = 0; j < D; j++) {
                double mean = 0;
                for (int t = 0; t < n; t++) {
                    mean += m.get(t, j) / n;
                }
                for (int t = 0; t < n; t++) {
                    m.set(t, j, m.get(t, j) - mean);
                }
            }
            CommonOps_DDRM.divide(m, CommonOps_DDRM.elementSum(elementSquare(m)) == 0 ? 1
                    : Math.sqrt(CommonOps_DDRM.elementSum(elementSquare(m))));
        }
        DMatrixRMaj a = new DMatrixRMaj(D, D);
        CommonOps_DDRM.solve(xm, ym, a); // least squares (QR) A = X⁺ Y
        DMatrixRMaj res = new DMatrixRMaj(n, D);
        CommonOps_DDRM.mult(xm, a, res);
        CommonOps_DDRM.subtractEquals(res, ym);
        double direct = 1 - CommonOps_DDRM.elementSum(elementSquare(res));
        assertEquals(direct, Linearity.score(stats(x, y)), 1e-9);
    }

    static DMatrixRMaj elementSquare(DMatrixRMaj m) {
        DMatrixRMaj s = m.copy();
        CommonOps_DDRM.elementMult(s, m);
        return s;
    }

    @Test
    void closedFormFitRecoversAPlantedMap() {
        Random r = new Random(5);
        float[] x = gaussian(r, N, D, 2);
        double[][] w = randomMatrix(r);
        double[] b = new double[D];
        for (int i = 0; i < D; i++) {
            b[i] = r.nextGaussian();
        }
        Linearity.Fit f = Linearity.fit(stats(x, affine(x, w, b)), 1e-12);
        for (int o = 0; o < D; o++) {
            assertEquals(b[o], f.bias()[o], 1e-5);
            for (int i = 0; i < D; i++) {
                assertEquals(w[o][i], f.weight()[o][i], 1e-6, "W[" + o + "][" + i + "]");
            }
        }
    }

    @Test
    void streamingAndMergingEqualOnePass() {
        Random r = new Random(6);
        float[] x = gaussian(r, N, D, 1);
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = (float) Math.tanh(x[i] * 1.5 + 0.2);
        }
        LayerStatistics whole = stats(x, y);
        LayerStatistics a = new LayerStatistics(D);
        LayerStatistics b = new LayerStatistics(D);
        LayerStatistics c = new LayerStatistics(D);
        for (int t = 0; t < N; t++) {
            (t < 700 ? a : t < 701 ? b : c).add(x, t * D, y, t * D);
        }
        a.merge(b);
        a.merge(c);
        assertEquals(N, a.count());
        assertEquals(Linearity.score(whole), Linearity.score(a), 1e-12);
        assertEquals(Linearity.residualRemovedScore(whole), Linearity.residualRemovedScore(a), 1e-12);
        assertEquals(Linearity.blockInfluence(whole), Linearity.blockInfluence(a), 1e-12);
    }

    @Test
    void residualRemovedScoreIsTheScoreOfTheUpdate() {
        Random r = new Random(7);
        float[] x = gaussian(r, N, D, 1);
        float[] y = new float[x.length];
        float[] update = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            update[i] = (float) (0.3 * Math.sin(2 * x[i]) + 0.1 * x[i]);
            y[i] = x[i] + update[i];
        }
        // LS(X, Y − X) from Y's statistics equals LS(X, update) from the update's own statistics
        assertEquals(Linearity.score(stats(x, update)), Linearity.residualRemovedScore(stats(x, y)), 1e-6);
        assertTrue(Linearity.residualRemovedScore(stats(x, y)) < Linearity.score(stats(x, y)));
    }

    @Test
    void blockInfluenceAndAngularDistanceByHand() {
        LayerStatistics s = new LayerStatistics(2);
        float[] x = {1, 0, 1, 1};
        float[] y = {0, 1, 2, 2};
        s.addBatch(x, y, new long[][] {{1, 1}}, false);
        // cos = 0 for the first token, 1 for the second
        assertEquals(1 - 0.5, Linearity.blockInfluence(s), 1e-12);
        // last token: cos 1 -> arccos(1)/π = 0
        assertEquals(0, Linearity.angularDistance(s), 1e-7);
        LayerStatistics t = new LayerStatistics(2);
        t.addBatch(x, y, new long[][] {{1, 0}}, false);
        assertEquals(1, Linearity.blockInfluence(t), 1e-12);
        assertEquals(0.5, Linearity.angularDistance(t), 1e-12);
    }
}
