package io.linforge.core.tensor;

import java.util.Locale;

/** Element types of tensors on disk, with their safetensors names and ONNX type codes. */
public enum DType {
    F32("F32", 4, 1),
    F16("F16", 2, 10),
    BF16("BF16", 2, 16),
    F64("F64", 8, 11),
    I64("I64", 8, 7),
    I32("I32", 4, 6),
    I16("I16", 2, 5),
    I8("I8", 1, 3),
    U8("U8", 1, 2),
    BOOL("BOOL", 1, 9);

    private final String safetensorsName;
    private final int byteSize;
    private final int onnxType;

    DType(String safetensorsName, int byteSize, int onnxType) {
        this.safetensorsName = safetensorsName;
        this.byteSize = byteSize;
        this.onnxType = onnxType;
    }

    public String safetensorsName() {
        return safetensorsName;
    }

    public int byteSize() {
        return byteSize;
    }

    /** The {@code TensorProto.DataType} code. */
    public int onnxType() {
        return onnxType;
    }

    public boolean isFloating() {
        return this == F32 || this == F16 || this == BF16 || this == F64;
    }

    /** Returns the dtype for a safetensors name, or null when unknown. */
    public static DType fromSafetensors(String name) {
        for (DType d : values()) {
            if (d.safetensorsName.equals(name.toUpperCase(Locale.ROOT))) {
                return d;
            }
        }
        return null;
    }

    /** Returns the dtype for an ONNX {@code TensorProto.DataType} code, or null when unsupported. */
    public static DType fromOnnx(int code) {
        for (DType d : values()) {
            if (d.onnxType == code) {
                return d;
            }
        }
        return null;
    }
}
