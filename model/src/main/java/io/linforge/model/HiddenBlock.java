package io.linforge.model;

import ai.djl.ndarray.NDArray;

/**
 * A block that maps the hidden states [batch, seq, hidden] to new hidden states: a transformer
 * layer, or a fitted linear map that replaces one.
 */
public interface HiddenBlock {
    /** The layer's index in its model. */
    int index();

    NDArray forward(NDArray hidden, ForwardContext ctx);

    /** Writes this block's ONNX nodes; returns the name of the output value. */
    String emit(io.linforge.model.OnnxEmitter e, String hidden);

    /** The linear layers of this block (where adapters can go). */
    default java.util.List<Linear> linears() {
        return java.util.List.of();
    }

    /** The parameters of this block. */
    java.util.List<Parameter> parameters();
}
