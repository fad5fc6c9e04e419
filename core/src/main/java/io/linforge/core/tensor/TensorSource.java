package io.linforge.core.tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A tensor whose bytes can be read in pieces: one in memory ({@link TensorData}) or one stored in a
 * file and read on demand, so that a model larger than memory can be converted tensor by tensor and
 * chunk by chunk.
 */
public interface TensorSource {
    DType dtype();

    long[] shape();

    default long numel() {
        return TensorData.numel(shape());
    }

    default long byteSize() {
        return numel() * dtype().byteSize();
    }

    /** Fills {@code dst} (little-endian row-major) with the bytes from {@code byteOffset} on. */
    void read(long byteOffset, ByteBuffer dst);

    /** The file that holds the tensor, named in messages; null for a tensor computed in memory. */
    default Object origin() {
        return null;
    }

    /** The whole tensor in memory. */
    default TensorData load() {
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(byteSize())).order(ByteOrder.LITTLE_ENDIAN);
        read(0, b);
        b.flip();
        return new TensorData(dtype(), shape(), b);
    }

    /**
     * Exit 2 naming the file and the tensor {@code name} when it holds a NaN or an infinity; reads
     * it a chunk at a time and keeps nothing.
     */
    default void requireFinite(String name) {
        if (!dtype().isFloating()) {
            return;
        }
        int size = dtype().byteSize();
        long n = numel();
        int per = (16 << 20) / size;
        for (long first = 0; first < n; first += per) {
            int len = (int) Math.min(per, n - first);
            ByteBuffer b = ByteBuffer.allocate(len * size).order(ByteOrder.LITTLE_ENDIAN);
            read(first * size, b);
            TensorData.requireFinite(new TensorData(dtype(), new long[] {len}, b.flip()), first, origin(), name, dtype(),
                    shape());
        }
    }
}
