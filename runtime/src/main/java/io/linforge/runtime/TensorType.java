package io.linforge.runtime;

/** Element types of a TensorRT engine's input and output tensors, as the runtime handles them. */
enum TensorType {
    FLOAT32("float32", 4),
    FLOAT16("float16", 2),
    BFLOAT16("bfloat16", 2),
    INT64("int64", 8),
    INT32("int32", 4),
    INT8("int8", 1),
    UINT8("uint8", 1),
    BOOL("bool", 1),
    /** fp8, int4, fp4 and other packed types: neither fed nor read. */
    UNSUPPORTED("unsupported", 0);

    private final String id;
    private final int bytes;

    TensorType(String id, int bytes) {
        this.id = id;
        this.bytes = bytes;
    }

    /** The name used in {@link IoInfo#dtype()} (ONNX style: float32, int64, ...). */
    String id() {
        return id;
    }

    /** Bytes per element (0 for {@link #UNSUPPORTED}). */
    int bytes() {
        return bytes;
    }

    boolean isFloating() {
        return this == FLOAT32 || this == FLOAT16 || this == BFLOAT16;
    }

    boolean isTokenType() {
        return this == INT64 || this == INT32;
    }
}
