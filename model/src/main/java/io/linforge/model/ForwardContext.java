package io.linforge.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * What the blocks of one forward pass share: the manager that owns every intermediate (the
 * caller closes it), train/eval mode, the compute dtype, the additive attention bias and, for
 * decoders, the rotary tables.
 */
public final class ForwardContext {
    private final NDManager manager;
    private final boolean training;
    private final DataType dtype;
    /** Additive attention bias, broadcastable to [batch, heads, query, key]; fp32. */
    NDArray attentionBias;
    /** Rotary tables [seq, head_dim] for the positions of this pass (decoders). */
    NDArray cos;
    NDArray sin;
    /** Key/value cache of a decoder (null when not used). */
    KvCache cache;

    public ForwardContext(NDManager manager, boolean training, DataType dtype) {
        this.manager = manager;
        this.training = training;
        this.dtype = dtype;
    }

    public NDManager manager() {
        return manager;
    }

    public boolean training() {
        return training;
    }

    public DataType dtype() {
        return dtype;
    }

    public NDArray attentionBias() {
        return attentionBias;
    }
}
