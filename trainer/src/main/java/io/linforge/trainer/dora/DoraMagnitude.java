package io.linforge.trainer.dora;

import ai.djl.ndarray.NDArray;
import io.linforge.core.adapter.DoraVariant;
import io.linforge.core.adapter.LoraVariant;
import io.linforge.model.ForwardContext;
import io.linforge.model.Parameter;
import io.linforge.trainer.lora.LoraLinear;
import java.util.List;
import java.util.Map;

/**
 * DoRA's side of a LoRA adapter: a magnitude {@code m} [out], initialised to the row norms of W,
 * and the layer {@code y = m · (W + s·B·A)·x / ‖W + s·B·A‖ + b}, the norm per output row and held
 * constant in the backward pass (no gradient through it, as the DoRA paper and PEFT do). The term
 * added to {@code x·Wᵀ + b} is {@code (m/‖·‖ − 1)·(x·Wᵀ) + (m/‖·‖)·s·B·A·x}, x after LoRA's dropout.
 */
final class DoraMagnitude implements LoraLinear.Variant {
    private static final LoraVariant FORMAT = new DoraVariant();
    private final Parameter magnitude;

    DoraMagnitude(LoraLinear lora) {
        NDArray w = lora.base().weight().array();
        try (NDArray detached = w.stopGradient(); NDArray sq = detached.square(); NDArray sum = sq.sum(new int[] {1})) {
            magnitude = new Parameter(lora.base().name() + "." + DoraVariant.MAGNITUDE, sum.sqrt());
        }
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(magnitude);
    }

    @Override
    public NDArray delta(LoraLinear lora, NDArray dropped, ForwardContext ctx) {
        NDArray w = lora.base().weight().array();
        NDArray a = lora.a().array().stopGradient();
        NDArray b = lora.b().array().stopGradient();
        NDArray direction = w.stopGradient();
        a.attach(ctx.manager());
        b.attach(ctx.manager());
        direction.attach(ctx.manager());
        NDArray adapted = direction.add(b.matMul(a).mul((float) lora.scaling()));
        NDArray norm = adapted.square().sum(new int[] {1}).sqrt();
        NDArray scale = magnitude.array().div(norm);
        scale.attach(ctx.manager());
        NDArray base = ai.djl.nn.core.Linear.linear(dropped, w).singletonOrThrow();
        return base.mul(scale.sub(1f)).add(lora.loraTerm(dropped).mul(scale));
    }

    @Override
    public LoraVariant format() {
        return FORMAT;
    }

    @Override
    public Map<String, NDArray> tensors() {
        return Map.of(DoraVariant.MAGNITUDE, magnitude.array());
    }
}
