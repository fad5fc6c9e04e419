package io.linforge.core.onnx;

import com.google.protobuf.ByteString;
import io.linforge.core.LinforgeException;
import io.linforge.core.onnx.proto.Onnx.StringStringEntryProto;
import io.linforge.core.onnx.proto.Onnx.TensorProto;
import io.linforge.core.tensor.DType;
import io.linforge.core.tensor.TensorData;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/** Conversions between ONNX {@code TensorProto}s and {@link TensorData}. */
public final class OnnxTensors {
    /** Largest tensor read into memory (a Java array's limit). */
    static final long MAX_BYTES = Integer.MAX_VALUE - 8;

    private OnnxTensors() {
    }

    /**
     * The tensor's values; {@code baseDir} resolves external data ({@code model.onnx.data}) and
     * may be null when the model came from memory.
     */
    public static TensorData read(TensorProto t, Path baseDir, Object source) {
        DType dt = DType.fromOnnx(t.getDataType());
        if (dt == null) {
            throw LinforgeException.badInput(source, t.getName() + ".data_type", "unsupported ONNX type " + t.getDataType());
        }
        long[] shape = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
        long n = 1;
        long bytes;
        try {
            for (long d : shape) {
                if (d < 0) {
                    throw LinforgeException.badInput(source, t.getName() + ".dims", "negative dimension " + d);
                }
                n = Math.multiplyExact(n, d);
            }
            bytes = Math.multiplyExact(n, (long) dt.byteSize());
        } catch (ArithmeticException e) {
            bytes = Long.MAX_VALUE;
        }
        if (bytes > MAX_BYTES) {
            throw LinforgeException.badInput(source, t.getName() + ".dims", java.util.Arrays.toString(shape) + " of " + dt
                    + " is more than " + MAX_BYTES + " bytes");
        }
        ByteBuffer b;
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            b = external(t, baseDir, source, n * dt.byteSize());
        } else if (t.hasRawData()) {
            b = t.getRawData().asReadOnlyByteBuffer();
        } else {
            int stored = switch (dt) {
                case F32 -> t.getFloatDataCount();
                case F64 -> t.getDoubleDataCount();
                case I64 -> t.getInt64DataCount();
                default -> t.getInt32DataCount();
            };
            if (stored != n) {
                throw LinforgeException.badInput(source, t.getName(), stored + " values stored for " + n + " elements of " + dt);
            }
            b = ByteBuffer.allocate((int) (n * dt.byteSize())).order(ByteOrder.LITTLE_ENDIAN);
            switch (dt) {
                case F32 -> t.getFloatDataList().forEach(b::putFloat);
                case F64 -> t.getDoubleDataList().forEach(b::putDouble);
                case I64 -> t.getInt64DataList().forEach(b::putLong);
                case I32 -> t.getInt32DataList().forEach(b::putInt);
                case F16, BF16, I16 -> t.getInt32DataList().forEach(v -> b.putShort((short) (int) v));
                case I8, U8, BOOL -> t.getInt32DataList().forEach(v -> b.put((byte) (int) v));
                default -> throw LinforgeException.badInput(source, t.getName(), "unsupported storage");
            }
            b.flip();
        }
        if (b.remaining() != n * dt.byteSize()) {
            throw LinforgeException.badInput(source, t.getName() + ".raw_data", b.remaining() + " bytes for "
                    + n + " elements of " + dt);
        }
        return new TensorData(dt, shape, b.order(ByteOrder.LITTLE_ENDIAN));
    }

    private static ByteBuffer external(TensorProto t, Path baseDir, Object source, long expected) {
        String location = null;
        long offset = 0;
        long length = -1;
        for (StringStringEntryProto e : t.getExternalDataList()) {
            switch (e.getKey()) {
                case "location" -> location = e.getValue();
                case "offset" -> offset = externalNumber(t, source, e);
                case "length" -> length = externalNumber(t, source, e);
                default -> {
                }
            }
        }
        if (location == null || baseDir == null || location.contains("..")) {
            throw LinforgeException.badInput(source, t.getName() + ".external_data", "unusable location '" + location + "'");
        }
        if (length < 0) {
            length = expected;
        }
        if (length != expected) {
            throw LinforgeException.badInput(source, t.getName() + ".external_data", "length " + length + " for "
                    + expected + " bytes of shape x data_type");
        }
        Path f = baseDir.resolve(location);
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "r")) {
            if (offset + length > raf.length()) {
                throw LinforgeException.badInput(f, t.getName() + ".external_data", "range past the end of the file");
            }
            byte[] buf = new byte[Math.toIntExact(length)];
            raf.seek(offset);
            raf.readFully(buf);
            return ByteBuffer.wrap(buf);
        } catch (IOException e) {
            throw LinforgeException.badInput(f, t.getName() + ".external_data", "cannot read: " + e.getMessage());
        }
    }

    /** An {@code offset} or {@code length} of external data: a non-negative integer. */
    private static long externalNumber(TensorProto t, Object source, StringStringEntryProto e) {
        try {
            long v = Long.parseLong(e.getValue());
            if (v >= 0) {
                return v;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw LinforgeException.badInput(source, t.getName() + ".external_data." + e.getKey(), "expected a non-negative "
                + "integer, got '" + e.getValue() + "'");
    }

    /** A TensorProto holding {@code data} in {@code raw_data}. */
    public static TensorProto toProto(String name, TensorData data) {
        return header(name, data.dtype(), data.shape()).setRawData(ByteString.copyFrom(data.data())).build();
    }

    /** A TensorProto's name, type and dims, without data. */
    public static TensorProto.Builder header(String name, DType dtype, long[] shape) {
        TensorProto.Builder b = TensorProto.newBuilder().setName(name).setDataType(dtype.onnxType());
        for (long d : shape) {
            b.addDims(d);
        }
        return b;
    }
}
