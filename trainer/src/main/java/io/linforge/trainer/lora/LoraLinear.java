package io.linforge.trainer.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.Dropout;
import io.linforge.core.model.ForwardContext;
import io.linforge.core.model.Linear;
import io.linforge.core.model.LinearAdapter;
import io.linforge.core.model.Parameter;
import java.util.SplittableRandom;

/**
 * A LoRA adapter on a {@link Linear}: adds {@code dropout(x)·Aᵀ·Bᵀ·scaling} to its output, with
 * A [r, in] Kaiming-uniform (a = √5, i.e. U(−1/√in, 1/√in)) and B [out, r] zero, as PEFT does.
 */
public final class LoraLinear implements LinearAdapter {
    private final Linear base;
    private final Parameter a;
    private final Parameter b;
    private final double scaling;
    private final float dropout;

    LoraLinear(Linear base, String moduleName, int r, double alpha, boolean rslora, double dropout, NDManager m,
            SplittableRandom rng) {
        this.base = base;
        int in = (int) base.inFeatures();
        int out = (int) base.outFeatures();
        float bound = (float) (1.0 / Math.sqrt(in));
        float[] av = new float[r * in];
        for (int i = 0; i < av.length; i++) {
            av[i] = (float) (rng.nextDouble() * 2 - 1) * bound;
        }
        this.a = new Parameter(moduleName + ".lora_A.weight", m.create(av, new Shape(r, in)));
        this.b = new Parameter(moduleName + ".lora_B.weight", m.zeros(new Shape(out, r)));
        this.scaling = rslora ? alpha / Math.sqrt(r) : alpha / r;
        this.dropout = (float) dropout;
    }

    public Linear base() {
        return base;
    }

    public Parameter a() {
        return a;
    }

    public Parameter b() {
        return b;
    }

    public double scaling() {
        return scaling;
    }

    @Override
    public NDArray delta(NDArray x, ForwardContext ctx) {
        NDArray h = ctx.training() && dropout > 0 ? Dropout.dropout(x, dropout, true).singletonOrThrow() : x;
        NDArray y = ai.djl.nn.core.Linear.linear(h, a.array()).singletonOrThrow();
        return ai.djl.nn.core.Linear.linear(y, b.array()).singletonOrThrow().mul((float) scaling);
    }
}
