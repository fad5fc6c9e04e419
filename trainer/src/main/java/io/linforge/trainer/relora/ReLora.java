package io.linforge.trainer.relora;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.model.Parameter;
import io.linforge.trainer.TrainConfig;
import io.linforge.trainer.TrainingMethod;
import io.linforge.trainer.lora.LoraLinear;
import io.linforge.trainer.optim.AdamW;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * ReLoRA (Lialin et al.): LoRA factors on the attention and MLP linears that are merged into the
 * frozen weights every {@code every} updates and drawn again (A Kaiming-uniform, B zero), with the
 * factors' AdamW moments pruned at each merge (random: each entry zeroed with probability p;
 * magnitude: entries at or below the p-quantile of |state| zeroed; the step count is kept). As in the
 * authors' loop, the merge follows update {@code k·every + 1} of the low-rank phase (k ≥ 1). An
 * optional full-rank warm start trains every parameter for the first updates and then starts the
 * adapters with fresh optimizer state. With {@code initA = zero} the low-rank phase starts with A and B
 * zero, as the authors' code does: the factors get zero gradients until the first merge draws A, while
 * AdamW counts their steps (as torch's does for a zero gradient), so the first updates after that merge
 * run on moments that start from zero with a bias correction of the later step. The sum of many rank-r
 * updates is a high-rank update.
 */
public final class ReLora extends TrainingMethod {
    private final TrainConfig.ReLoraOptions o;
    private final List<Parameter> warmStart;
    private final long seed;
    private int merges;

    /**
     * @param others parameters trained densely beside the adapters (embeddings, norms, heads)
     * @param all every parameter of the model (trained during the warm start)
     */
    public ReLora(List<Parameter> others, Map<String, LoraLinear> adapters, List<Parameter> all,
            TrainConfig.ReLoraOptions o, long seed) {
        super(others, adapters);
        this.o = o;
        this.seed = seed;
        this.warmStart = new ArrayList<>(all);
        if (o.warmStart() == 0) {
            startLowRank();
        }
    }

    /** The factors at the start of the low-rank phase: A as drawn, or zero until the first merge. */
    private void startLowRank() {
        if (o.initA().equals("zero")) {
            adapters.values().forEach(LoraLinear::zeroA);
        }
    }

    @Override
    public void beforeStep(int step) {
        if (step < o.warmStart()) {
            adapters.values().forEach(l -> {
                l.a().setTrainable(false);
                l.b().setTrainable(false);
            });
            warmStart.forEach(p -> p.setTrainable(true));
        } else {
            for (LoraLinear l : adapters.values()) {
                l.base().weight().setTrainable(false);
            }
            super.beforeStep(step);
        }
    }

    @Override
    public List<Parameter> trainable(int step) {
        return step < o.warmStart() ? warmStart : dense;
    }

    @Override
    public List<Parameter> stateParameters() {
        List<Parameter> all = new ArrayList<>(dense);
        for (Parameter p : warmStart) {
            if (!all.contains(p)) {
                all.add(p);
            }
        }
        return all;
    }

    @Override
    public void afterStep(int step, AdamW opt) {
        int done = step + 1;
        if (o.warmStart() > 0 && done == o.warmStart()) {
            // the low-rank phase starts with a new optimizer, as after loading a warm-start checkpoint
            for (String name : new ArrayList<>(opt.state().keySet())) {
                opt.forget(name);
            }
            startLowRank();
            return;
        }
        // as the reference loop: after update k·R + 1 of the low-rank phase (k >= 1), the one that ran at
        // the restart's zero rate, so its gradient still reached the moments that are pruned now
        int local = done - o.warmStart();
        if (local > o.every() && local % o.every() == 1) {
            mergeAndReset(opt, done);
        }
    }

    /** Folds every adapter into its weight, draws it again and prunes its optimizer state. */
    public void mergeAndReset(AdamW opt, int done) {
        SplittableRandom rng = new SplittableRandom(seed * 7_919 + done);
        Engine.getInstance().setRandomSeed((int) (seed * 31 + done));
        for (LoraLinear l : adapters.values()) {
            l.mergeAndReinit(rng);
            for (Parameter p : List.of(l.a(), l.b())) {
                AdamW.State s = opt.state().get(p.name());
                if (s != null) {
                    prune(s.m, o.reset(), o.prune());
                    prune(s.v, o.reset(), o.prune());
                }
            }
        }
        merges++;
    }

    /** Zeroes a fraction of {@code state} in place: at random, or the smallest magnitudes. */
    public static void prune(NDArray state, String mode, double fraction) {
        if (fraction <= 0) {
            return;
        }
        if (mode.equals("random")) {
            try (NDArray r = state.getManager().randomUniform(0f, 1f, state.getShape());
                    NDArray keep = r.gt((float) fraction)) {
                state.muli(keep.toType(DataType.FLOAT32, false));
            }
            return;
        }
        try (NDArray abs = state.abs(); NDArray flat = abs.flatten(); NDArray sorted = flat.sort()) {
            float tau = quantile(sorted, fraction);
            try (NDArray keep = abs.gt(tau)) {
                state.muli(keep.toType(DataType.FLOAT32, false));
            }
        }
    }

    /**
     * The {@code q}-quantile of ascending {@code sorted} values as torch.quantile computes it in float32
     * (linear interpolation between the order statistics around {@code q·(n−1)}), the threshold of the
     * reference's magnitude pruning.
     */
    static float quantile(NDArray sorted, double q) {
        long n = sorted.size();
        float pos = (float) q * (float) (n - 1);
        long lo = (long) pos;
        long hi = Math.min(n - 1, lo + 1);
        float a = sorted.getFloat(lo);
        float b = sorted.getFloat(hi);
        float w = pos - lo;
        // at::lerp: start + w·(end − start) below w = 0.5, end − (end − start)·(1 − w) from there
        return w < 0.5f ? a + w * (b - a) : b - (b - a) * (1 - w);
    }

    @Override
    public void describe(ObjectNode result) {
        ObjectNode r = result.putObject("relora");
        r.put("every", o.every());
        r.put("restart_warmup", o.restartWarmup());
        r.put("optimizer_reset", o.reset());
        r.put("reset_fraction", o.prune());
        r.put("warm_start", o.warmStart());
        if (o.warmStartLr() > 0) {
            r.put("warm_start_lr", o.warmStartLr());
        }
        r.put("init_a", o.initA());
        r.put("merges", merges);
    }
}
