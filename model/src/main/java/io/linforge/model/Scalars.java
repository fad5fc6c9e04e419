package io.linforge.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Arithmetic with a constant on arrays that autograd records. DJL's {@code x.mul(Number)} (and
 * {@code div}, {@code pow}, {@code maximum}) wraps the constant in a 0-d array over a Java direct
 * buffer, runs the op and closes that array at once; autograd keeps the constant for the backward
 * pass without owning its memory, so once the garbage collector frees the buffer the gradient reads
 * whatever was allocated there since (wrong, or NaN, gradients depending on when a collection ran).
 * Here the constant is made by libtorch ({@code full}), so the graph holds memory libtorch owns. The
 * constant is fp32 (an int32 exponent for {@link #pow}), as DJL would make it, so the results are
 * the same bits.
 */
public final class Scalars {
    private Scalars() {
    }

    /** A 0-d fp32 array holding {@code v}, in {@code like}'s manager. */
    public static NDArray of(NDArray like, double v) {
        return like.getManager().full(new Shape(), (float) v, DataType.FLOAT32);
    }

    public static NDArray mul(NDArray x, double v) {
        return x.mul(of(x, v));
    }

    public static NDArray div(NDArray x, double v) {
        return x.div(of(x, v));
    }

    public static NDArray maximum(NDArray x, double v) {
        return x.maximum(of(x, v));
    }

    /** {@code x} to the integer power {@code n}. */
    public static NDArray pow(NDArray x, int n) {
        return x.pow(x.getManager().full(new Shape(), n, DataType.INT32));
    }
}
