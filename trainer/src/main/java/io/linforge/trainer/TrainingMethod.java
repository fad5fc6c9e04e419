package io.linforge.trainer;

import ai.djl.ndarray.NDArray;
import io.linforge.core.tensor.TensorData;
import io.linforge.model.Parameter;
import io.linforge.trainer.lora.LoraLinear;
import io.linforge.trainer.optim.AdamW;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a fine-tuning method decides inside the shared training loop: which parameters get
 * gradients and updates at each step, how the update is applied, and what happens after it
 * (ReLoRA merges, SparseGrad's basis change). Full fine-tuning and BitFit are this class as is.
 */
public class TrainingMethod implements AutoCloseable {
    protected final List<Parameter> dense;
    protected final Map<String, LoraLinear> adapters;

    /** A method that updates {@code dense} with AdamW and trains the given adapters' factors. */
    public TrainingMethod(List<Parameter> dense, Map<String, LoraLinear> adapters) {
        this.dense = new ArrayList<>(dense);
        this.adapters = new LinkedHashMap<>(adapters);
        for (LoraLinear l : adapters.values()) {
            this.dense.addAll(l.parameters());
        }
    }

    /** Folds the adapters into their base weights and takes them off the layers (before a checkpoint is written). */
    public void fold() {
        for (LoraLinear l : adapters.values()) {
            l.foldAndRemove();
        }
    }

    /** Called before the forward passes of {@code step}: sets which parameters need gradients. */
    public void beforeStep(int step) {
        for (Parameter p : trainable(step)) {
            if (!p.trainable()) {
                p.setTrainable(true);
            }
        }
    }

    /** The parameters that get gradients at {@code step}. */
    public List<Parameter> trainable(int step) {
        return dense;
    }

    /** Every parameter whose value training changes (what a training checkpoint must hold). */
    public List<Parameter> stateParameters() {
        return dense;
    }

    /** Rewrites the gradients before clipping (SparseGrad rotates and sparsifies them). */
    public void transformGradients(int step, Map<String, NDArray> grads) {
    }

    /** Applies the update of {@code step}; {@code clip} scales the gradients (global-norm clipping). */
    public void update(int step, Map<String, NDArray> grads, AdamW opt, double lr, double clip) {
        opt.step(trainable(step), grads, lr, clip);
    }

    /** Called after the update of {@code step} (ReLoRA merges here). */
    public void afterStep(int step, AdamW opt) {
    }

    /** Parameters updated per step, as the method reports them (adapters, sparse entries). */
    public long trainableCount() {
        return dense.stream().mapToLong(p -> p.array().getShape().size()).sum();
    }

    /** Optimizer state the method keeps itself, in bytes (beyond the AdamW state). */
    public long extraOptimizerBytes() {
        return 0;
    }

    /** State that is not a parameter but must survive a resume (float tensors by name). */
    public Map<String, NDArray> extraState() {
        return Map.of();
    }

    public void restoreExtraState(Map<String, TensorData> state) {
    }

    public Map<String, LoraLinear> adapters() {
        return adapters;
    }

    /** Facts for the result JSON. */
    public void describe(com.fasterxml.jackson.databind.node.ObjectNode result) {
    }

    @Override
    public void close() {
    }
}
