package io.linforge.model;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.List;

/** {@code y = x Wᵀ + b}, W of shape [out, in] as in PyTorch, plus the terms of its adapters. */
public final class Linear {
    private final String name;
    private final Parameter weight;
    private final Parameter bias;
    private final List<LinearAdapter> adapters = new ArrayList<>();

    public Linear(String name, Parameter weight, Parameter bias) {
        this.name = name;
        this.weight = weight;
        this.bias = bias;
    }

    /** The module path, e.g. {@code bert.encoder.layer.0.attention.self.query}. */
    public String name() {
        return name;
    }

    public Parameter weight() {
        return weight;
    }

    /** The bias, or null when the layer has none. */
    public Parameter bias() {
        return bias;
    }

    public long inFeatures() {
        return weight.shape()[1];
    }

    public long outFeatures() {
        return weight.shape()[0];
    }

    public List<LinearAdapter> adapters() {
        return adapters;
    }

    public NDArray forward(NDArray x, ForwardContext ctx) {
        NDArray y = bias == null ? ai.djl.nn.core.Linear.linear(x, weight.array()).singletonOrThrow()
                : ai.djl.nn.core.Linear.linear(x, weight.array(), bias.array()).singletonOrThrow();
        for (LinearAdapter a : adapters) {
            y = y.add(a.delta(x, ctx));
        }
        return y;
    }

    public List<Parameter> parameters() {
        return bias == null ? List.of(weight) : List.of(weight, bias);
    }
}
