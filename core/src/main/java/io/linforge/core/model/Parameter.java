package io.linforge.core.model;

import ai.djl.ndarray.NDArray;

/** A named model parameter (its Hugging Face name) and whether training may change it. */
public final class Parameter {
    private final String name;
    private NDArray array;
    private boolean trainable;

    public Parameter(String name, NDArray array) {
        this.name = name;
        this.array = array;
    }

    public String name() {
        return name;
    }

    public NDArray array() {
        return array;
    }

    /** Replaces the value (e.g. after an optimizer step or a merge); the old array is closed. */
    public void set(NDArray value) {
        if (value != array) {
            NDArray old = array;
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
        array.setRequiresGradient(t);
    }

    @Override
    public String toString() {
        return name + array.getShape();
    }
}
