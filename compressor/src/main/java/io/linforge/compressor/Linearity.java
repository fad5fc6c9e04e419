package io.linforge.compressor;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;
import org.ejml.interfaces.linsol.LinearSolverDense;

/**
 * Layer scores and the closed-form linear replacement, computed from {@link LayerStatistics}
 * alone.
 *
 * <p>Linearity score ("Your Transformer is Secretly Linear"): centre X and Y, normalise each by
 * its Frobenius norm, fit the least-squares map A = X⁺Y, score {@code 1 − ‖XA − Y‖²}. With
 * centred Gram matrices S_xx, S_xy, S_yy this is {@code tr(S_xyᵀ S_xx⁺ S_xy) / tr(S_yy)} (the
 * normalisation of X cancels in the projection; that of Y is the denominator). S_xx⁺ is the
 * pseudo-inverse from the symmetric eigen-decomposition with eigenvalues below
 * {@code rcond · λ_max} dropped.
 */
public final class Linearity {
    public static final double RCOND = 1e-10;

    /** Ridge strength relative to the mean variance of the input (tr(S_xx)/d). */
    public static final double DEFAULT_RIDGE = 1e-6;

    private Linearity() {
    }

    /** Centred XᵀX, XᵀY, YᵀY. */
    static DMatrixRMaj[] centred(LayerStatistics s) {
        int d = s.d;
        double n = s.n;
        DMatrixRMaj sxx = new DMatrixRMaj(d, d);
        DMatrixRMaj sxy = new DMatrixRMaj(d, d);
        DMatrixRMaj syy = new DMatrixRMaj(d, d);
        for (int i = 0; i < d; i++) {
            double mxi = s.sumX[i] / n;
            double myi = s.sumY[i] / n;
            for (int j = 0; j < d; j++) {
                double mxj = s.sumX[j] / n;
                double myj = s.sumY[j] / n;
                sxx.set(i, j, s.xx[i * d + j] - n * mxi * mxj);
                sxy.set(i, j, s.xy[i * d + j] - n * mxi * myj);
                syy.set(i, j, s.yy[i * d + j] - n * myi * myj);
            }
        }
        return new DMatrixRMaj[] {sxx, sxy, syy};
    }

    /** tr(S_xyᵀ S_xx⁺ S_xy) / tr(S_yy). */
    static double explained(DMatrixRMaj sxx, DMatrixRMaj sxy, DMatrixRMaj syy) {
        int d = sxx.numRows;
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(d, true, true);
        if (!eig.decompose(sxx.copy())) {
            throw new IllegalStateException("eigen-decomposition failed");
        }
        double max = 0;
        for (int k = 0; k < d; k++) {
            max = Math.max(max, eig.getEigenvalue(k).getReal());
        }
        double num = 0;
        DMatrixRMaj proj = new DMatrixRMaj(1, d);
        for (int k = 0; k < d; k++) {
            double lambda = eig.getEigenvalue(k).getReal();
            if (lambda <= RCOND * max) {
                continue;
            }
            DMatrixRMaj v = eig.getEigenVector(k);
            CommonOps_DDRM.multTransA(v, sxy, proj); // vᵀ S_xy (1 × d)
            double sq = 0;
            for (int j = 0; j < d; j++) {
                sq += proj.get(0, j) * proj.get(0, j);
            }
            num += sq / lambda;
        }
        double den = CommonOps_DDRM.trace(syy);
        return den <= 0 ? 1 : num / den;
    }

    /** The linearity score LS(X, Y) in [0, 1]; 1 means Y is an exact affine function of X. */
    public static double score(LayerStatistics s) {
        DMatrixRMaj[] m = centred(s);
        return explained(m[0], m[1], m[2]);
    }

    /** LS(X, Y − X): how linearly the block's update (without the residual) follows from its input. */
    public static double residualRemovedScore(LayerStatistics s) {
        DMatrixRMaj[] m = centred(s);
        DMatrixRMaj sxx = m[0];
        DMatrixRMaj sxr = new DMatrixRMaj(sxx.numRows, sxx.numCols);
        CommonOps_DDRM.subtract(m[1], sxx, sxr); // S_x(y-x) = S_xy − S_xx
        DMatrixRMaj srr = m[2].copy(); // S_(y-x)(y-x) = S_yy − S_xy − S_xyᵀ + S_xx
        DMatrixRMaj t = new DMatrixRMaj(sxx.numRows, sxx.numCols);
        CommonOps_DDRM.transpose(m[1], t);
        CommonOps_DDRM.subtractEquals(srr, m[1]);
        CommonOps_DDRM.subtractEquals(srr, t);
        CommonOps_DDRM.addEquals(srr, sxx);
        return explained(sxx, sxr, srr);
    }

    /** ShortGPT Block Influence: 1 − mean per-token cosine(x, y). */
    public static double blockInfluence(LayerStatistics s) {
        return s.n == 0 ? Double.NaN : 1 - s.cosSum / s.n;
    }

    /** Angular distance of the last token: mean over sequences of arccos(cos(x, y)) / π. */
    public static double angularDistance(LayerStatistics s) {
        return s.sequences == 0 ? Double.NaN : s.angularSum / s.sequences;
    }

    /** A fitted map {@code y = x Wᵀ + b}: weight [out, in] (PyTorch layout), bias [out]. */
    public record Fit(double[][] weight, double[] bias) {
    }

    /**
     * Ridge least squares from the block's input to its output with an intercept:
     * {@code W = (S_xx + λI)⁻¹ S_xy} on centred statistics, {@code b = μ_y − μ_x W},
     * λ = {@code ridge} · tr(S_xx)/d.
     */
    public static Fit fit(LayerStatistics s, double ridge) {
        int d = s.d;
        DMatrixRMaj[] m = centred(s);
        DMatrixRMaj a = m[0].copy();
        double lambda = ridge * CommonOps_DDRM.trace(a) / d;
        for (int i = 0; i < d; i++) {
            a.add(i, i, lambda);
        }
        LinearSolverDense<DMatrixRMaj> solver = LinearSolverFactory_DDRM.symmPosDef(d);
        if (!solver.setA(a)) {
            throw new IllegalStateException("input covariance is not positive definite; raise the ridge");
        }
        DMatrixRMaj w = new DMatrixRMaj(d, d); // [in, out]
        solver.solve(m[1].copy(), w);
        double[][] weight = new double[d][d];
        double[] bias = new double[d];
        for (int o = 0; o < d; o++) {
            double b = s.sumY[o] / s.n;
            for (int i = 0; i < d; i++) {
                weight[o][i] = w.get(i, o);
                b -= s.sumX[i] / s.n * w.get(i, o);
            }
            bias[o] = b;
        }
        return new Fit(weight, bias);
    }
}
