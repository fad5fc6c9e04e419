package io.linforge.trainer.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.Dropout;
import io.linforge.core.adapter.LoraAdapter;
import io.linforge.core.adapter.LoraVariant;
import io.linforge.core.tensor.TensorData;
import io.linforge.model.ForwardContext;
import io.linforge.model.Linear;
import io.linforge.model.LinearAdapter;
import io.linforge.model.Parameter;
import io.linforge.model.Scalars;
import io.linforge.model.TransformerModel;
import io.linforge.model.Weights;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A LoRA adapter on a {@link Linear}: adds {@code dropout(x)·Aᵀ·Bᵀ·scaling} to its output, with
 * A [r, in] Kaiming-uniform (a = √5, i.e. U(−1/√in, 1/√in)) and B [out, r] zero, as PEFT does.
 * A {@link Variant} (DoRA) replaces that term and adds parameters of its own, as PEFT's LoRA variants do.
 */
public final class LoraLinear implements LinearAdapter {
    /** A variant of LoRA on the training side: its parameters, its output term and its file format. */
    public interface Variant {
        /** Parameters it trains beside A and B. */
        List<Parameter> parameters();

        /** The term the adapted layer adds to {@code x·Wᵀ + b}, from the input after LoRA's dropout. */
        NDArray delta(LoraLinear lora, NDArray dropped, ForwardContext ctx);

        /** Its fold and file format. */
        LoraVariant format();

        /** Its tensors by leaf name ({@link LoraVariant#leaves()}). */
        Map<String, NDArray> tensors();
    }

    /** Makes the variant of a freshly built adapter (the factors are set; B is zero). */
    public interface VariantFactory {
        Variant create(LoraLinear lora);
    }

    private final Linear base;
    private final Parameter a;
    private final Parameter b;
    private final double scaling;
    private final float dropout;
    private final Variant variant;

    LoraLinear(Linear base, String moduleName, int r, double alpha, boolean rslora, double dropout, NDManager m,
            SplittableRandom rng, VariantFactory variant) {
        this.base = base;
        int in = (int) base.inFeatures();
        int out = (int) base.outFeatures();
        this.a = new Parameter(moduleName + ".lora_A.weight", Weights.owned(m.create(kaiming(r, in, rng), new Shape(r, in))));
        this.b = new Parameter(moduleName + ".lora_B.weight", m.zeros(new Shape(out, r)));
        this.scaling = rslora ? alpha / Math.sqrt(r) : alpha / r;
        this.dropout = (float) dropout;
        this.variant = variant == null ? null : variant.create(this);
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

    /** The adapter as its file format stores it, under the module name {@code name}. */
    public LoraAdapter.Module toModule(String name) {
        Map<String, TensorData> extra = new LinkedHashMap<>();
        if (variant != null) {
            variant.tensors().forEach((leaf, v) -> extra.put(leaf, TransformerModel.toTensorData(v)));
        }
        return new LoraAdapter.Module(name, TransformerModel.toTensorData(a.array()),
                TransformerModel.toTensorData(b.array()), scaling, variant == null ? null : variant.format(), extra);
    }

    /**
     * Folds the adapter into the base weight with the one fold of its file format
     * ({@link LoraAdapter.Module#fold}: {@code W ← W + scaling·B·A}, or the variant's), so the layer
     * without the adapter computes what it computed with it. The adapter stays attached.
     */
    public void foldIntoBase() {
        NDArray w = base.weight().array();
        float[] folded = toModule(base.name()).fold(TransformerModel.toTensorData(w).toF32().toFloats(), null);
        boolean grad = w.hasGradient();
        w.setRequiresGradient(false);
        if (w.getDataType() == DataType.FLOAT32) {
            w.set(FloatBuffer.wrap(folded));
        } else {
            try (NDArray v = w.getManager().create(folded, w.getShape()); NDArray c = v.toType(w.getDataType(), true)) {
                w.set(c.toByteBuffer());
            }
        }
        w.setRequiresGradient(grad);
    }

    /** Folds the adapter into the base weight and takes it off the layer. */
    public void foldAndRemove() {
        foldIntoBase();
        base.adapters().remove(this);
    }

    /**
     * ReLoRA's merge-and-reinit: {@code W ← W + scaling·B·A}, then A is drawn again
     * (Kaiming-uniform) and B set to zero, so the layer computes the same function afterwards.
     */
    public void mergeAndReinit(SplittableRandom rng) {
        foldIntoBase();
        NDArray av = a.array();
        long[] shape = av.getShape().getShape();
        av.setRequiresGradient(false);
        av.set(FloatBuffer.wrap(kaiming((int) shape[0], (int) shape[1], rng)));
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

    /** A, B and the variant's parameters. */
    public List<Parameter> parameters() {
        List<Parameter> p = new ArrayList<>(List.of(a, b));
        if (variant != null) {
            p.addAll(variant.parameters());
        }
        return p;
    }

    public double scaling() {
        return scaling;
    }

    /** {@code scaling·B·A·h} for an input h (after dropout). */
    public NDArray loraTerm(NDArray h) {
        NDArray y = ai.djl.nn.core.Linear.linear(h, a.array()).singletonOrThrow();
        return Scalars.mul(ai.djl.nn.core.Linear.linear(y, b.array()).singletonOrThrow(), (float) scaling);
    }

    @Override
    public NDArray delta(NDArray x, ForwardContext ctx) {
        NDArray h = ctx.training() && dropout > 0 ? Dropout.dropout(x, dropout, true).singletonOrThrow() : x;
        return variant == null ? loraTerm(h) : variant.delta(this, h, ctx);
    }
}
