package io.linforge.trainer.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.Dropout;
import io.linforge.core.model.ForwardContext;
import io.linforge.core.model.Linear;
import io.linforge.core.model.LinearAdapter;
import io.linforge.core.model.Parameter;
import io.linforge.core.model.Scalars;
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
        this.a = new Parameter(moduleName + ".lora_A.weight", m.create(kaiming(r, in, rng), new Shape(r, in)));
        this.b = new Parameter(moduleName + ".lora_B.weight", m.zeros(new Shape(out, r)));
        this.scaling = rslora ? alpha / Math.sqrt(r) : alpha / r;
        this.dropout = (float) dropout;
    }

    /** Kaiming-uniform with a = √5 on a [r, in] matrix: U(−1/√in, 1/√in). */
    private static float[] kaiming(int r, int in, SplittableRandom rng) {
        float bound = (float) (1.0 / Math.sqrt(in));
        float[] av = new float[r * in];
        for (int i = 0; i < av.length; i++) {
            av[i] = (float) (rng.nextDouble() * 2 - 1) * bound;
        }
        return av;
    }

    /** The adapter's contribution to the base weight, {@code scaling · B·A} [out, in]. */
    public NDArray deltaWeight() {
        return b.array().matMul(a.array()).mul((float) scaling);
    }

    /**
     * ReLoRA's merge-and-reinit: {@code W ← W + scaling·B·A}, then A is drawn again
     * (Kaiming-uniform) and B set to zero, so the layer computes the same function afterwards.
     */
    public void mergeAndReinit(SplittableRandom rng) {
        NDArray w = base.weight().array();
        boolean grad = w.hasGradient();
        try (NDArray d = deltaWeight()) {
            w.setRequiresGradient(false);
            w.addi(d);
            w.setRequiresGradient(grad);
        }
        NDArray av = a.array();
        long[] shape = av.getShape().getShape();
        av.setRequiresGradient(false);
        av.set(java.nio.FloatBuffer.wrap(kaiming((int) shape[0], (int) shape[1], rng)));
        av.setRequiresGradient(a.trainable());
        zero(b);
    }

    /**
     * Sets A to zero, as the ReLoRA authors' code starts its factors: with A and B zero the factors get
     * zero gradients, so they stay zero until the next {@link #mergeAndReinit} draws A.
     */
    public void zeroA() {
        zero(a);
    }

    private static void zero(Parameter p) {
        NDArray v = p.array();
        v.setRequiresGradient(false);
        v.muli(0);
        v.setRequiresGradient(p.trainable());
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
        return Scalars.mul(ai.djl.nn.core.Linear.linear(y, b.array()).singletonOrThrow(), (float) scaling);
    }
}
