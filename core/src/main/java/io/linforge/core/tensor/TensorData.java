package io.linforge.core.tensor;

import io.linforge.core.LinforgeException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A dense tensor on the host: element type, shape and little-endian row-major bytes.
 * The buffer may be a slice of a memory-mapped file; {@link #data()} returns a fresh
 * little-endian view positioned at 0.
 */
public final class TensorData implements TensorSource {
    private final DType dtype;
    private final long[] shape;
    private final ByteBuffer data;

    public TensorData(DType dtype, long[] shape, ByteBuffer data) {
        this.dtype = dtype;
        this.shape = shape.clone();
        long expected = numel(shape) * dtype.byteSize();
        if (data.remaining() != expected) {
            throw new IllegalArgumentException("tensor of shape " + Arrays.toString(shape) + " and dtype "
                    + dtype + " needs " + expected + " bytes, got " + data.remaining());
        }
        this.data = data.slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public void read(long byteOffset, ByteBuffer dst) {
        ByteBuffer src = data();
        src.position(Math.toIntExact(byteOffset)).limit(Math.toIntExact(byteOffset) + dst.remaining());
        dst.put(src);
    }

    @Override
    public TensorData load() {
        return this;
    }

    public int rank() {
        return shape.length;
    }

    @Override
    public long numel() {
        return numel(shape);
    }

    @Override
    public long byteSize() {
        return data.capacity();
    }

    public ByteBuffer data() {
        return data.duplicate().order(ByteOrder.LITTLE_ENDIAN).rewind();
    }

    public static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    public static TensorData ofFloats(long[] shape, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return new TensorData(DType.F32, shape, b);
    }

    public static TensorData ofLongs(long[] shape, long[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(values);
        return new TensorData(DType.I64, shape, b);
    }

    /** Values as fp32; F16, BF16 and F64 are converted. */
    public float[] toFloats() {
        int n = Math.toIntExact(numel());
        float[] out = new float[n];
        decode(data(), dtype, out, n);
        return out;
    }

    /** The first {@code n} elements of {@code b} (little-endian, floating type {@code dt}) as fp32, into {@code out}. */
    static void decode(ByteBuffer b, DType dt, float[] out, int n) {
        switch (dt) {
            case F32 -> b.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out, 0, n);
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = Half.toFloat(b.getShort(2 * i));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = Float.intBitsToFloat((b.getShort(2 * i) & 0xffff) << 16);
                }
            }
            case F64 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = (float) b.getDouble(8 * i);
                }
            }
            default -> throw new IllegalStateException("not a floating-point tensor: " + dt);
        }
    }

    /**
     * The first {@code n} values of {@code f} as {@code to} (F32, F16 or BF16, rounded to nearest
     * even), little-endian, positioned at 0.
     */
    static ByteBuffer encode(float[] f, int n, DType to) {
        ByteBuffer b = ByteBuffer.allocate(n * to.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        switch (to) {
            case F32 -> b.asFloatBuffer().put(f, 0, n);
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    b.putShort(2 * i, Half.fromFloat(f[i]));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    b.putShort(2 * i, bfloat16(f[i]));
                }
            }
            default -> throw new IllegalStateException("cannot write " + to);
        }
        return b;
    }

    /**
     * The index of the first NaN or infinite element, or −1 when every element is finite (always
     * for integer tensors). Reads the stored bits (an all-ones exponent) in bulk, without converting.
     */
    public long firstNonFinite() {
        ByteBuffer b = data();
        int n = Math.toIntExact(numel());
        return switch (dtype) {
            case F32 -> firstAllOnes(b, n, 0x7f800000, 1);
            case F16 -> firstAllOnes(b, n, 0x7c00, 2);
            case BF16 -> firstAllOnes(b, n, 0x7f80, 2);
            case F64 -> {
                for (int i = 0; i < n; i++) {
                    if (!Double.isFinite(b.getDouble(8 * i))) {
                        yield i;
                    }
                }
                yield -1;
            }
            default -> -1;
        };
    }

    /**
     * The first of {@code n} elements ({@code perInt} = 1 for 32-bit, 2 for 16-bit ones) whose
     * exponent bits {@code exp} are all set, read as ints in chunks; −1 when there is none.
     */
    private static long firstAllOnes(ByteBuffer b, int n, int exp, int perInt) {
        java.nio.IntBuffer ib = b.asIntBuffer();
        int ints = ib.remaining();
        int hi = perInt == 2 ? exp << 16 : exp;
        int[] chunk = new int[Math.max(1, Math.min(ints, SCAN_CHUNK))];
        for (int off = 0; off < ints; off += chunk.length) {
            int len = Math.min(chunk.length, ints - off);
            ib.get(chunk, 0, len);
            for (int i = 0; i < len; i++) {
                int x = chunk[i];
                if ((x & exp) == exp || (x & hi) == hi) {
                    return (long) perInt * (off + i) + ((x & exp) == exp ? 0 : 1);
                }
            }
        }
        // an odd count of 16-bit elements leaves the last one outside the ints
        return perInt == 2 && n % 2 == 1 && (b.getShort(2 * (n - 1)) & exp) == exp ? n - 1 : -1;
    }

    /**
     * Exit 2 naming {@code file} and the tensor {@code name} when a floating tensor holds a NaN or an
     * infinity; returns this tensor.
     */
    public TensorData requireFinite(Object file, String name) {
        requireFinite(this, 0, file, name, dtype, shape);
        return this;
    }

    /**
     * Exit 2 when {@code part}, the elements of a tensor of {@code dtype} and {@code shape} from
     * element {@code first} on, holds a NaN or an infinity; the message names {@code file}, the
     * tensor {@code name} and the element's index in the whole tensor.
     */
    public static void requireFinite(TensorData part, long first, Object file, String name, DType dtype, long[] shape) {
        long i = part.firstNonFinite();
        if (i >= 0) {
            ByteBuffer b = part.data();
            double v = switch (dtype) {
                case F32 -> b.getFloat(4 * (int) i);
                case F16 -> Half.toFloat(b.getShort(2 * (int) i));
                case BF16 -> Float.intBitsToFloat((b.getShort(2 * (int) i) & 0xffff) << 16);
                default -> b.getDouble(8 * (int) i);
            };
            throw LinforgeException.badInput(file, name, "non-finite value " + v + " at element " + (first + i) + " of "
                    + numel(shape) + " (" + dtype + Arrays.toString(shape) + "); NaN and infinite weights are refused");
        }
    }

    private static final int SCAN_CHUNK = 1 << 14;

    public long[] toLongs() {
        int n = Math.toIntExact(numel());
        long[] out = new long[n];
        ByteBuffer b = data();
        switch (dtype) {
            case I64 -> b.asLongBuffer().get(out);
            case I32 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = b.getInt(4 * i);
                }
            }
            default -> throw new IllegalStateException("not an integer tensor: " + dtype);
        }
        return out;
    }

    /** A rank-2 integer tensor as rows (e.g. a batch of token ids). */
    public long[][] toLongMatrix() {
        if (shape.length != 2) {
            throw new IllegalStateException("toLongMatrix needs rank 2, got " + Arrays.toString(shape));
        }
        long[] v = toLongs();
        int b = Math.toIntExact(shape[0]);
        int s = Math.toIntExact(shape[1]);
        long[][] out = new long[b][s];
        for (int i = 0; i < b; i++) {
            System.arraycopy(v, i * s, out[i], 0, s);
        }
        return out;
    }

    /** This tensor in fp32 (itself when it already is). BF16 must be converted before DJL sees it. */
    public TensorData toF32() {
        return dtype == DType.F32 ? this : ofFloats(shape, toFloats());
    }

    /** This floating-point tensor in fp16 (round to nearest even). */
    public TensorData toF16() {
        return dtype == DType.F16 ? this : new TensorData(DType.F16, shape, encode(toFloats(), Math.toIntExact(numel()), DType.F16));
    }

    /** This floating-point tensor in bfloat16 (round to nearest even, as PyTorch's {@code to(torch.bfloat16)}). */
    public TensorData toBF16() {
        return dtype == DType.BF16 ? this
                : new TensorData(DType.BF16, shape, encode(toFloats(), Math.toIntExact(numel()), DType.BF16));
    }

    /** The bfloat16 bits of {@code v}, rounded to nearest even (NaN stays a quiet NaN). */
    public static short bfloat16(float v) {
        int bits = Float.floatToRawIntBits(v);
        if (Float.isNaN(v)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
    }

    /** Transpose of a rank-2 tensor, any element size. */
    public TensorData transpose2d() {
        if (shape.length != 2) {
            throw new IllegalStateException("transpose2d needs rank 2, got " + Arrays.toString(shape));
        }
        int rows = Math.toIntExact(shape[0]);
        int cols = Math.toIntExact(shape[1]);
        int es = dtype.byteSize();
        ByteBuffer src = data();
        byte[] out = new byte[rows * cols * es];
        byte[] in = new byte[src.remaining()];
        src.get(in);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                System.arraycopy(in, (r * cols + c) * es, out, (c * rows + r) * es, es);
            }
        }
        return new TensorData(dtype, new long[] {cols, rows}, ByteBuffer.wrap(out));
    }

    @Override
    public String toString() {
        return dtype + Arrays.toString(shape);
    }
}
