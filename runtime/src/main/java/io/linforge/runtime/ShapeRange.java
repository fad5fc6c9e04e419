package io.linforge.runtime;

import io.linforge.core.LinforgeException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The shapes an input of a TensorRT engine accepts: its optimization profile's {@code min} and
 * {@code max} per dimension (equal for fixed dimensions), and the {@code opt} shape the engine was
 * tuned for.
 */
record ShapeRange(String name, long[] min, long[] opt, long[] max) {
    ShapeRange {
        if (min.length != max.length || opt.length != max.length) {
            throw new IllegalArgumentException(name + ": min, opt and max differ in rank");
        }
        min = min.clone();
        opt = opt.clone();
        max = max.clone();
    }

    /** A range of exactly one shape (an input without dynamic dimensions). */
    static ShapeRange fixed(String name, long[] dims) {
        return new ShapeRange(name, dims, dims, dims);
    }

    int rank() {
        return max.length;
    }

    boolean contains(long[] shape) {
        return violation(shape) == null;
    }

    /** Null when {@code shape} is within the range, else why not (one line, to follow the input's name). */
    String violation(long[] shape) {
        if (shape.length != rank()) {
            return "has rank " + shape.length + " (shape " + Arrays.toString(shape)
                    + ") but the engine expects rank " + rank() + " (min " + Arrays.toString(min) + ", max "
                    + Arrays.toString(max) + ")";
        }
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < min[i] || shape[i] > max[i]) {
                return "shape " + Arrays.toString(shape) + " is outside the engine's optimization "
                        + "profile at dimension " + i + " (" + shape[i] + " not in " + min[i] + ".." + max[i] + "; min "
                        + Arrays.toString(min) + ", max " + Arrays.toString(max) + "); rebuild the engine with a wider "
                        + "profile or run smaller batches";
            }
        }
        return null;
    }

    /** Exit 2 naming the engine file and the input when {@code shape} is outside the range. */
    void check(Path plan, long[] shape) {
        String why = violation(shape);
        if (why != null) {
            throw LinforgeException.badInput(plan, "input '" + name + "'", why);
        }
    }

    @Override
    public String toString() {
        return name + " min " + Arrays.toString(min) + " opt " + Arrays.toString(opt) + " max " + Arrays.toString(max);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ShapeRange r && r.name.equals(name) && Arrays.equals(r.min, min) && Arrays.equals(r.opt, opt)
                && Arrays.equals(r.max, max);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(max);
    }
}
