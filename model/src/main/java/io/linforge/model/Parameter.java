package io.linforge.model;

import ai.djl.ndarray.NDArray;
import io.linforge.core.tensor.TensorSource;
import java.util.function.Supplier;

/**
 * A named model parameter (its Hugging Face name) and whether training may change it. A deferred
 * parameter (a model loaded for export) keeps only where its values are stored; its NDArray is
 * made the first time it is asked for.
 */
public final class Parameter {
    private final String name;
    private NDArray array;
    private TensorSource stored;
    private Supplier<NDArray> loader;
    private boolean trainable;

    public Parameter(String name, NDArray array) {
        this.name = name;
        this.array = array;
    }

    private Parameter(String name, TensorSource stored, Supplier<NDArray> loader) {
        this.name = name;
        this.stored = stored;
        this.loader = loader;
    }

    /** A parameter whose values stay in {@code stored} until {@link #array()} loads them with {@code loader}. */
    static Parameter deferred(String name, TensorSource stored, Supplier<NDArray> loader) {
        return new Parameter(name, stored, loader);
    }

    public String name() {
        return name;
    }

    public NDArray array() {
        if (array == null) {
            array = loader.get();
            stored = null;
            loader = null;
        }
        return array;
    }

    /** The shape, without loading a deferred parameter. */
    public long[] shape() {
        return array == null ? stored.shape() : array.getShape().getShape();
    }

    /** The values on the host: as stored while deferred (any floating type), else the NDArray's. */
    public TensorSource values() {
        return array == null ? stored : TransformerModel.toTensorData(array);
    }

    /** Replaces the value (e.g. after an optimizer step or a merge); the old array is closed. */
    public void set(NDArray value) {
        NDArray old = array();
        if (value != old) {
            value.attach(old.getManager());
            array = value;
            old.close();
        }
    }

    public boolean trainable() {
        return trainable;
    }

    public void setTrainable(boolean t) {
        trainable = t;
        array().setRequiresGradient(t);
    }

    @Override
    public String toString() {
        return name + (array == null ? java.util.Arrays.toString(stored.shape()) : array.getShape().toString());
    }
}
