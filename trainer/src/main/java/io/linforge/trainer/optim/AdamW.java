package io.linforge.trainer.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import io.linforge.model.Parameter;
import io.linforge.model.Weights;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AdamW (Loshchilov and Hutter) with decoupled weight decay, as torch.optim.AdamW computes it:
 * {@code w ← w·(1 − lr·wd)}, then {@code m ← β1·m + (1−β1)·g}, {@code v ← β2·v + (1−β2)·g²},
 * {@code w ← w − lr · (m / (1−β1ᵗ)) / (sqrt(v / (1−β2ᵗ)) + ε)}. The state is kept per parameter
 * name, so it can be saved, restored and reset.
 */
public final class AdamW implements AutoCloseable {
    /** The moments and step count of one parameter. */
    public static final class State {
        public final NDArray m;
        public final NDArray v;
        public long step;

        State(NDArray m, NDArray v) {
            this.m = m;
            this.v = v;
        }
    }

    private final NDManager manager;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final Map<String, State> state = new LinkedHashMap<>();

    public AdamW(NDManager parent, double beta1, double beta2, double eps, double weightDecay) {
        this.manager = parent.newSubManager();
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    public static boolean noDecay(String name) {
        return name.endsWith(".bias") || name.contains("LayerNorm") || name.contains("layernorm") || name.endsWith("norm.weight");
    }

    public Map<String, State> state() {
        return state;
    }

    /** Bytes held by the optimizer state. */
    public long stateBytes() {
        long n = 0;
        for (State s : state.values()) {
            n += 2 * s.m.getShape().size() * 4;
        }
        return n;
    }

    /**
     * One update of every parameter with a gradient; {@code gradScale} multiplies the gradients
     * (global-norm clipping). The gradients are zeroed afterwards.
     */
    public void step(List<Parameter> params, Map<String, NDArray> grads, double lr, double gradScale) {
        try (NDScope scope = new NDScope()) {
            for (Parameter p : params) {
                NDArray g = grads.get(p.name());
                if (g == null) {
                    continue;
                }
                NDArray w = p.array();
                State s = state.computeIfAbsent(p.name(), k -> new State(manager.zeros(w.getShape()), manager.zeros(w.getShape())));
                NDScope.unregister(s.m, s.v);
                s.step++;
                NDArray gs = gradScale == 1.0 ? g : g.mul((float) gradScale);
                s.m.muli((float) beta1).addi(gs.mul((float) (1 - beta1)));
                s.v.muli((float) beta2).addi(gs.square().mul((float) (1 - beta2)));
                double bc1 = 1 - Math.pow(beta1, s.step);
                double bc2 = 1 - Math.pow(beta2, s.step);
                NDArray denom = s.v.div((float) bc2).sqrt().add((float) eps);
                NDArray upd = s.m.div((float) bc1).div(denom).mul((float) lr);
                double wd = noDecay(p.name()) ? 0 : weightDecay;
                w.setRequiresGradient(false);
                if (wd > 0) {
                    w.muli((float) (1 - lr * wd));
                }
                w.subi(upd);
                w.setRequiresGradient(true);
                zero(g);
            }
        }
    }

    /** Restores the moments and step count of one parameter (from a training checkpoint). */
    public void restore(String name, float[] m, float[] v, ai.djl.ndarray.types.Shape shape, long step) {
        State s = new State(owned(m, shape), owned(v, shape));
        s.step = step;
        State old = state.put(name, s);
        if (old != null) {
            old.m.close();
            old.v.close();
        }
    }

    /** The values in libtorch's own memory, as the uninterrupted run's moments are ({@code Weights.owned}). */
    private NDArray owned(float[] values, ai.djl.ndarray.types.Shape shape) {
        return Weights.owned(manager.create(values, shape));
    }

    /** Zeroes the moments of one parameter (an optimizer reset). */
    public void reset(String name) {
        State s = state.get(name);
        if (s != null) {
            zero(s.m);
            zero(s.v);
        }
    }

    /** Drops the state of one parameter: its next update starts from fresh moments and step 1. */
    public void forget(String name) {
        State s = state.remove(name);
        if (s != null) {
            s.m.close();
            s.v.close();
        }
    }

    /** Fills with zeros in place (multiplying by 0 would keep NaN and inf). */
    public static void zero(NDArray a) {
        a.muli(0);
        try (NDArray nan = a.isNaN()) {
            a.set(nan, 0f);
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
