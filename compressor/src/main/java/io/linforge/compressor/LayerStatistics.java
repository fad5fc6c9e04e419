package io.linforge.compressor;

/**
 * Sufficient statistics of one block's input X and output Y hidden states, accumulated token by
 * token in float64 with bounded memory (d² doubles, whatever the number of tokens): the count,
 * column sums, XᵀX, XᵀY, YᵀY, the sum of per-token cosines (ShortGPT Block Influence) and the sum
 * of per-sequence angular distances of the last token. Accumulators over disjoint tokens merge.
 */
public final class LayerStatistics {
    final int d;
    long n;
    final double[] sumX;
    final double[] sumY;
    final double[] xx;
    final double[] xy;
    final double[] yy;
    double cosSum;
    long sequences;
    double angularSum;

    public LayerStatistics(int d) {
        this.d = d;
        sumX = new double[d];
        sumY = new double[d];
        xx = new double[d * d];
        xy = new double[d * d];
        yy = new double[d * d];
    }

    public int dim() {
        return d;
    }

    public long count() {
        return n;
    }

    /** Adds one token: input row {@code x}, output row {@code y} (both length d, read from offsets). */
    public void add(float[] x, int xo, float[] y, int yo) {
        n++;
        double dot = 0;
        double nx = 0;
        double ny = 0;
        for (int i = 0; i < d; i++) {
            double xi = x[xo + i];
            double yi = y[yo + i];
            sumX[i] += xi;
            sumY[i] += yi;
            dot += xi * yi;
            nx += xi * xi;
            ny += yi * yi;
            int r = i * d;
            for (int j = 0; j < d; j++) {
                xx[r + j] += xi * x[xo + j];
                xy[r + j] += xi * y[yo + j];
                yy[r + j] += yi * y[yo + j];
            }
        }
        cosSum += nx == 0 || ny == 0 ? 0.5 : dot / Math.sqrt(nx * ny);
    }

    /** Records the last token of a sequence for the angular distance (arccos of its cosine, over π). */
    public void addLastToken(float[] x, int xo, float[] y, int yo) {
        double dot = 0;
        double nx = 0;
        double ny = 0;
        for (int i = 0; i < d; i++) {
            dot += (double) x[xo + i] * y[yo + i];
            nx += (double) x[xo + i] * x[xo + i];
            ny += (double) y[yo + i] * y[yo + i];
        }
        double c = Math.max(-1, Math.min(1, dot / Math.sqrt(nx * ny)));
        angularSum += Math.acos(c) / Math.PI;
        sequences++;
    }

    /**
     * Adds a batch [B, S, d] of input and output states; {@code mask} [B][S] skips padding, and
     * position 0 is skipped when {@code skipFirst}.
     */
    public void addBatch(float[] x, float[] y, long[][] mask, boolean skipFirst) {
        int b = mask.length;
        int s = b == 0 ? 0 : mask[0].length;
        for (int i = 0; i < b; i++) {
            int last = -1;
            for (int t = 0; t < s; t++) {
                if (mask[i][t] == 0) {
                    continue;
                }
                last = t;
                if (skipFirst && t == 0) {
                    continue;
                }
                int off = (i * s + t) * d;
                add(x, off, y, off);
            }
            if (last >= 0) {
                int off = (i * s + last) * d;
                addLastToken(x, off, y, off);
            }
        }
    }

    /** Adds another accumulator's tokens to this one. */
    public void merge(LayerStatistics o) {
        if (o.d != d) {
            throw new IllegalArgumentException("dimension " + o.d + " != " + d);
        }
        n += o.n;
        cosSum += o.cosSum;
        sequences += o.sequences;
        angularSum += o.angularSum;
        for (int i = 0; i < d; i++) {
            sumX[i] += o.sumX[i];
            sumY[i] += o.sumY[i];
        }
        for (int i = 0; i < d * d; i++) {
            xx[i] += o.xx[i];
            xy[i] += o.xy[i];
            yy[i] += o.yy[i];
        }
    }
}
