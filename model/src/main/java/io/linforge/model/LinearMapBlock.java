package io.linforge.model;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * A fitted linear map that replaces a whole transformer layer: {@code h ↦ h Wᵀ + b}
 * (parameters {@code <layer>.linear_map.weight} [hidden, hidden] and {@code .bias}). In ONNX it is
 * one MatMul and one Add.
 */
public final class LinearMapBlock implements HiddenBlock {
    private final int index;
    private final Linear map;

    public LinearMapBlock(int index, Linear map) {
        this.index = index;
        this.map = map;
    }

    static LinearMapBlock load(int index, String layerPrefix, Weights w, int hidden) {
        String name = layerPrefix + "linear_map";
        return new LinearMapBlock(index, new Linear(name, w.get(name + ".weight", hidden, hidden), w.get(name + ".bias", hidden)));
    }

    public Linear map() {
        return map;
    }

    @Override
    public List<Linear> linears() {
        return List.of(map);
    }

    @Override
    public int index() {
        return index;
    }

    @Override
    public NDArray forward(NDArray hidden, ForwardContext ctx) {
        return map.forward(hidden, ctx);
    }

    @Override
    public String emit(io.linforge.model.OnnxEmitter e, String hidden) {
        return e.tokens(e.linear(map, hidden), map.outFeatures());
    }

    @Override
    public List<Parameter> parameters() {
        return map.parameters();
    }
}
