package io.linforge.runtime;

import java.util.List;

/**
 * One input or output of a model: its name, element type ({@code float32}, {@code float16},
 * {@code int64}, ...) and dimensions, each a number or a symbolic name ({@code batch_size}; "?"
 * when unnamed and dynamic).
 */
public record IoInfo(String name, String dtype, List<String> dims) {
    public int rank() {
        return dims.size();
    }

    /** The fixed size of dimension {@code i}, or -1 when it is symbolic. */
    public long fixedDim(int i) {
        try {
            return Long.parseLong(dims.get(i));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public String toString() {
        return name + " " + dtype + dims;
    }
}
