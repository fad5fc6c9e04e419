package io.linforge.model;

import ai.djl.ndarray.NDArray;

/** Adds a term to a {@link Linear}'s output (LoRA, sparse deltas). */
public interface LinearAdapter {
    /** The term to add to {@code linear(x)}; same shape as the linear's output. */
    NDArray delta(NDArray x, ForwardContext ctx);
}
