package io.linforge.runtime;

import java.util.Arrays;

/** A dense fp32 tensor in row-major order (model outputs; fp16/bf16 outputs are converted). */
public record FloatTensor(long[] shape, float[] data) {
    public int dim(int i) {
        return (int) shape[i];
    }

    public int rank() {
        return shape.length;
    }

    @Override
    public String toString() {
        return "FloatTensor" + Arrays.toString(shape);
    }
}
