package io.linforge.core.tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;
import java.util.Arrays;

/**
 * A tensor converted to another floating type (F32, F16 or BF16) and optionally transposed
 * (rank 2), produced chunk by chunk from its source when it is written: memory stays at a few
 * chunks whatever the tensor's size.
 */
public final class ConvertedTensor {
    /** Bytes of source read at once, and of transposed output assembled at once. */
    static final int READ_BYTES = 16 << 20;
    static final int BLOCK_BYTES = 64 << 20;

    private final String name;
    private final TensorSource source;
    private final boolean transpose;
    private final DType to;
    private final int readBytes;
    private final int blockBytes;

    public ConvertedTensor(String name, TensorSource source, boolean transpose, DType to) {
        this(name, source, transpose, to, READ_BYTES, BLOCK_BYTES);
    }

    /** With the chunk sizes given (tests use small ones to cross chunk boundaries). */
    ConvertedTensor(String name, TensorSource source, boolean transpose, DType to, int readBytes, int blockBytes) {
        if (transpose && source.shape().length != 2) {
            throw new IllegalArgumentException(name + ": transposing needs rank 2, got " + Arrays.toString(source.shape()));
        }
        boolean floating = source.dtype().isFloating();
        if (floating ? !(to == DType.F32 || to == DType.F16 || to == DType.BF16) : to != source.dtype()) {
            throw new IllegalArgumentException(name + ": cannot convert " + source.dtype() + " to " + to);
        }
        this.name = name;
        this.source = source;
        this.transpose = transpose;
        this.to = to;
        this.readBytes = readBytes;
        this.blockBytes = blockBytes;
    }

    public String name() {
        return name;
    }

    public DType dtype() {
        return to;
    }

    public long[] shape() {
        long[] s = source.shape();
        return transpose ? new long[] {s[1], s[0]} : s;
    }

    public long byteSize() {
        return source.numel() * to.byteSize();
    }

    /** The converted tensor in memory. */
    public TensorData toTensorData() {
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(byteSize())).order(ByteOrder.LITTLE_ENDIAN);
        try {
            writeTo(new WritableByteChannel() {
                @Override
                public int write(ByteBuffer src) {
                    int n = src.remaining();
                    b.put(src);
                    return n;
                }

                @Override
                public boolean isOpen() {
                    return true;
                }

                @Override
                public void close() {
                }
            });
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        b.flip();
        return new TensorData(to, shape(), b);
    }

    /** Writes the converted bytes (little-endian, row-major) to {@code out}. */
    public void writeTo(WritableByteChannel out) throws IOException {
        if (transpose) {
            writeTransposed(out);
            return;
        }
        DType from = source.dtype();
        long n = source.numel();
        int per = Math.max(1, readBytes / Math.max(from.byteSize(), to.byteSize()));
        for (long first = 0; first < n; first += per) {
            int len = (int) Math.min(per, n - first);
            ByteBuffer in = read(first, len);
            if (from == to) {
                writeFully(out, in);
                continue;
            }
            float[] f = new float[len];
            TensorData.decode(in, from, f, len);
            writeFully(out, TensorData.encode(f, len, to));
        }
    }

    /** Source [rows, cols] as [cols, rows]: blocks of output rows, each from row tiles of the source. */
    private void writeTransposed(WritableByteChannel out) throws IOException {
        long[] s = source.shape();
        int rows = Math.toIntExact(s[0]);
        int cols = Math.toIntExact(s[1]);
        DType from = source.dtype();
        int blockCols = (int) Math.max(1, Math.min(cols, blockBytes / ((long) rows * Math.max(4, to.byteSize()))));
        int tileRows = (int) Math.max(1, Math.min(rows, readBytes / ((long) cols * from.byteSize())));
        float[] tile = new float[tileRows * cols];
        for (int c0 = 0; c0 < cols; c0 += blockCols) {
            int bc = Math.min(blockCols, cols - c0);
            float[] block = new float[bc * rows];
            for (int r0 = 0; r0 < rows; r0 += tileRows) {
                int tr = Math.min(tileRows, rows - r0);
                int len = tr * cols;
                ByteBuffer in = read((long) r0 * cols, len);
                TensorData.decode(in, from, tile, len);
                for (int r = 0; r < tr; r++) {
                    int srcRow = r * cols + c0;
                    for (int c = 0; c < bc; c++) {
                        block[c * rows + r0 + r] = tile[srcRow + c];
                    }
                }
            }
            writeFully(out, TensorData.encode(block, block.length, to));
        }
    }

    /** Elements {@code first .. first+len−1} of the source. */
    private ByteBuffer read(long first, int len) {
        ByteBuffer in = ByteBuffer.allocate(len * source.dtype().byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        source.read(first * source.dtype().byteSize(), in);
        in.flip();
        return in;
    }

    private static void writeFully(WritableByteChannel out, ByteBuffer b) throws IOException {
        b.rewind();
        while (b.hasRemaining()) {
            out.write(b);
        }
    }

    @Override
    public String toString() {
        return name + ": " + source.dtype() + Arrays.toString(source.shape()) + (transpose ? " transposed" : "") + " as " + to;
    }
}
