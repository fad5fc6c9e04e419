package io.linforge.core.metric;

/**
 * Host-side metrics of classifier logits (one row of class scores per example), in float64:
 * the predicted class, accuracy, and the KL divergence between two models' predictions. Plain
 * arrays only, so the trainer (on DJL) and the runtime (on ONNX Runtime) share one definition.
 */
public final class Logits {
    private Logits() {
    }

    /** The index of the largest score, the first one on ties; NaN scores are passed over (−1 when all are). */
    public static int argmax(float[] z) {
        int best = -1;
        for (int i = 0; i < z.length; i++) {
            if (!Float.isNaN(z[i]) && (best < 0 || z[i] > z[best])) {
                best = i;
            }
        }
        return best;
    }

    /** Fraction of rows whose largest score is at {@code labels[i]}; NaN when there are no rows. */
    public static double accuracy(float[][] logits, int[] labels) {
        if (logits.length != labels.length) {
            throw new IllegalArgumentException(logits.length + " rows of logits, " + labels.length + " labels");
        }
        int correct = 0;
        for (int i = 0; i < logits.length; i++) {
            correct += argmax(logits[i]) == labels[i] ? 1 : 0;
        }
        return logits.length == 0 ? Double.NaN : (double) correct / logits.length;
    }

    /** {@code log softmax(z)}, computed as {@code z − max − log Σ exp(z − max)}. */
    public static double[] logSoftmax(float[] z) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : z) {
            max = Math.max(max, v);
        }
        double s = 0;
        for (float v : z) {
            s += Math.exp(v - max);
        }
        double lse = max + Math.log(s);
        double[] out = new double[z.length];
        for (int j = 0; j < z.length; j++) {
            out[j] = z[j] - lse;
        }
        return out;
    }

    /**
     * {@code KL(softmax(reference) ‖ softmax(candidate))} in nats; classes the reference gives
     * probability 0 add nothing; NaN when either row's softmax holds a NaN (a NaN or +∞ logit).
     */
    public static double kl(float[] reference, float[] candidate) {
        if (reference.length != candidate.length) {
            throw new IllegalArgumentException(reference.length + " reference logits, " + candidate.length + " candidate logits");
        }
        double[] lp = logSoftmax(reference);
        double[] lq = logSoftmax(candidate);
        double s = 0;
        for (int j = 0; j < lp.length; j++) {
            if (Double.isNaN(lp[j]) || Double.isNaN(lq[j])) {
                return Double.NaN;
            }
            if (lp[j] != Double.NEGATIVE_INFINITY) {
                s += Math.exp(lp[j]) * (lp[j] - lq[j]);
            }
        }
        return s;
    }

    /** Mean over rows of {@link #kl}; NaN when there are no rows. */
    public static double meanKl(float[][] reference, float[][] candidate) {
        if (reference.length != candidate.length) {
            throw new IllegalArgumentException(reference.length + " reference rows, " + candidate.length + " candidate rows");
        }
        double sum = 0;
        for (int i = 0; i < reference.length; i++) {
            sum += kl(reference[i], candidate[i]);
        }
        return reference.length == 0 ? Double.NaN : sum / reference.length;
    }
}
