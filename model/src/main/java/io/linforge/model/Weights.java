package io.linforge.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.linforge.core.LinforgeException;
import io.linforge.core.tensor.TensorData;
import io.linforge.core.tensor.TensorSource;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The parameters of a model by Hugging Face name, read from a checkpoint into one NDManager.
 * Names are kept exactly as the checkpoint has them, so a save writes the same keys back.
 */
public final class Weights {
    private final Map<String, ? extends TensorSource> source;
    private final java.nio.file.Path dir;
    private final NDManager manager;
    private final DataType dtype;
    private final boolean deferred;
    private final Map<String, Parameter> params = new LinkedHashMap<>();

    /** {@code deferred}: parameters keep their stored values and load them into NDArrays only when asked. */
    Weights(Map<String, ? extends TensorSource> source, java.nio.file.Path dir, NDManager manager, DataType dtype,
            boolean deferred) {
        this.source = source;
        this.dir = dir;
        this.manager = manager;
        this.dtype = dtype;
        this.deferred = deferred;
    }

    /** The checkpoint folder (for error messages). */
    public java.nio.file.Path source() {
        return dir;
    }

    public boolean has(String name) {
        return params.containsKey(name) || source.containsKey(name);
    }

    /** Loads a parameter and checks its shape; {@code keepFp32} keeps it in fp32 in an fp16 model. */
    Parameter get(String name, boolean keepFp32, long... shape) {
        Parameter p = params.get(name);
        if (p != null) {
            return p;
        }
        TensorSource t = source.get(name);
        if (t == null) {
            throw LinforgeException.badInput(dir, name, "missing from the checkpoint");
        }
        if (!Arrays.equals(t.shape(), shape)) {
            throw LinforgeException.badInput(dir, name, "shape " + Arrays.toString(t.shape())
                    + " does not match the config (expected " + Arrays.toString(shape) + ")");
        }
        DataType target = keepFp32 ? DataType.FLOAT32 : dtype;
        p = deferred ? Parameter.deferred(name, t, () -> load(name, t, target)) : new Parameter(name, load(name, t, target));
        params.put(name, p);
        return p;
    }

    private NDArray load(String name, TensorSource t, DataType target) {
        NDArray a = toNd(manager, t.load());
        if (target != DataType.FLOAT32) {
            NDArray c = a.toType(target, false);
            a.close();
            a = c;
        }
        return a;
    }

    Parameter get(String name, long... shape) {
        return get(name, false, shape);
    }

    Parameter optional(String name, long... shape) {
        return source.containsKey(name) ? get(name, false, shape) : null;
    }

    /** An fp32 NDArray with the tensor's values (BF16 and F16 converted on the Java side), in libtorch's memory. */
    public static NDArray toNd(NDManager manager, TensorData t) {
        if (!t.dtype().isFloating()) {
            return owned(manager.create(t.toLongs(), new Shape(t.shape())));
        }
        return owned(manager.create(t.toFloats(), new Shape(t.shape())));
    }

    /**
     * A copy of {@code javaBacked} in libtorch's own (64-byte aligned) memory; {@code javaBacked} is closed.
     * {@code NDManager.create} of a Java array wraps a Java buffer, placed and aligned as the JVM's allocator
     * chooses, which differs from one process to the next; parameters, optimizer state and bases live in
     * libtorch's memory so that a run and its resumed twin compute on identically placed arrays.
     */
    public static NDArray owned(NDArray javaBacked) {
        try (javaBacked) {
            return javaBacked.duplicate();
        }
    }

    /**
     * Exit 2 naming a checkpoint tensor that no part of the model read: a config that describes
     * fewer layers (or another architecture) than the weights would otherwise drop it silently.
     * Non-trainable buffers that Hugging Face checkpoints may carry (position ids, rotary
     * frequencies) are not weights and are skipped.
     */
    void requireAllUsed(java.nio.file.Path config, int layers) {
        for (String name : source.keySet()) {
            if (!params.containsKey(name) && !name.endsWith(".position_ids") && !name.endsWith(".inv_freq")) {
                throw LinforgeException.badInput(dir, name, "not used by the model that " + config
                        + " describes (" + layers + " layers); a config with fewer layers than the checkpoint, or a"
                        + " tensor of another architecture");
            }
        }
    }

    Map<String, Parameter> all() {
        return params;
    }
}
