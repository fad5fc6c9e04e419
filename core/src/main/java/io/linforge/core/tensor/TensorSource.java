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

    /** The whole tensor in memory, checked for NaN and infinity when it comes from a file (exit 2 naming it). */
    default TensorData loadChecked(String name) {
        TensorData d = load();
        if (origin() != null && dtype().isFloating()) {
            d.requireFinite(origin(), name);
        }
        return d;
    }
}
