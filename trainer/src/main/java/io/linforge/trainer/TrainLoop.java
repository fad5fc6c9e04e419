package io.linforge.trainer;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.core.LinforgeException;
import io.linforge.model.ForwardContext;
import io.linforge.model.Parameter;
import io.linforge.model.Scalars;
import io.linforge.trainer.optim.AdamW;
import io.linforge.trainer.optim.Schedule;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The optimisation loop every trainer shares: per update, {@code accumulate} micro-batches are run
 * forward and backward (losses scaled by 1/accumulate, so the gradient is that of the mean), the
 * method rewrites the gradients (SparseGrad), a non-finite loss or gradient skips the update, the
 * global gradient norm is clipped, AdamW (and the method's own optimizer) step, and the method
 * acts after the step (ReLoRA merges). Dropout and data order depend only on (seed, step), and a
 * training checkpoint holds everything else, so a resumed run ends with the same weights.
 */
public final class TrainLoop {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TrainLoop.class);

    /** The loss of one micro-batch and what the linearity regularizer needs. */
    public record MicroBatch(NDArray loss, List<NDArray> hidden, NDArray mask, long tokens) {
    }

    /** A task: how to compute a micro-batch's loss and how to evaluate. */
    public interface Task {
        /**
         * Forward pass over the examples at global positions {@code first .. first + batch − 1}; with
         * {@code wantHidden}, the residual stream before and after every layer.
         */
        MicroBatch forward(long first, ForwardContext ctx, boolean wantHidden);

        /** The evaluation metric in eval mode. */
        double evaluate();

        /** Its name in the result JSON and curve ({@code eval_accuracy}, {@code eval_perplexity}). */
        String metric();
    }

    private TrainLoop() {
    }

    /**
     * Runs {@code c.steps()} updates; returns the result JSON (curve, loss, timing, counts) to which
     * the caller adds the final metric and writes the output.
     */
    public static ObjectNode run(TrainConfig c, Task task, TrainingMethod method, NDManager manager, Path out,
            Schedule.Kind schedule, ObjectNode result) {
        ArrayNode curve = result.putArray("curve");
        double lastLoss = Double.NaN;
        double lastReg = Double.NaN;
        int skipped = 0;
        long tokens = 0;
        double trainSeconds = 0;
        List<Double> stepTimes = new java.util.ArrayList<>();
        try (AdamW opt = new AdamW(manager, 0.9, 0.999, 1e-8, c.weightDecay())) {
            Path ckptDir = TrainingCheckpoint.dirFor(out);
            int start = 0;
            if (c.resume()) {
                start = TrainingCheckpoint.restore(ckptDir, method.stateParameters(), opt, method::restoreExtraState, curve);
                if (start > 0) {
                    LOG.info("resuming from step {} ({})", start, ckptDir);
                }
            }
            Progress progress = new Progress("train", c.steps());
            for (int step = start; step < c.steps(); step++) {
                // dropout masks depend only on (seed, step), so a resumed run draws the same ones
                Engine.getInstance().setRandomSeed((int) (c.seed() * 1_000_003L + step));
                method.beforeStep(step);
                List<Parameter> trainable = method.trainable(step);
                double lr = learningRate(c, schedule, step);
                long s0 = System.nanoTime();
                try (NDManager sm = manager.newSubManager()) {
                    double loss = 0;
                    double reg = 0;
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        for (int micro = 0; micro < c.accumulate(); micro++) {
                            try (NDManager mm = sm.newSubManager()) {
                                ForwardContext ctx = new ForwardContext(mm, true, DataType.FLOAT32);
                                long first = ((long) step * c.accumulate() + micro) * c.batch();
                                MicroBatch mb = task.forward(first, ctx, c.linearityWeight() != 0);
                                NDArray l = mb.loss();
                                loss += l.getFloat() / c.accumulate();
                                if (c.linearityWeight() != 0) {
                                    NDArray r = LinearityRegularizer.penalty(mb.hidden(), mb.mask());
                                    reg += r.getFloat() / c.accumulate();
                                    l = l.add(Scalars.mul(r, (float) c.linearityWeight()));
                                }
                                gc.backward(c.accumulate() == 1 ? l : Scalars.div(l, (float) c.accumulate()));
                                tokens += mb.tokens();
                            }
                        }
                    }
                    Map<String, NDArray> grads = new LinkedHashMap<>();
                    for (Parameter p : trainable) {
                        NDArray g = p.array().getGradient();
                        g.attach(sm);
                        grads.put(p.name(), g);
                    }
                    method.transformGradients(step, grads);
                    double sq = 0;
                    for (NDArray g : grads.values()) {
                        sq += g.square().sum().getFloat();
                    }
                    if (!Double.isFinite(loss) || !Double.isFinite(sq)) {
                        // a non-finite loss or gradient would poison the weights: skip this update
                        LOG.warn("step {}: update skipped: loss {}, squared gradient norm {}{}", step + 1, loss, sq,
                                nonFinite(grads));
                        grads.values().forEach(AdamW::zero);
                        for (Parameter p : trainable) {
                            try (NDArray g = p.array().getGradient()) {
                                AdamW.zero(g);
                            }
                        }
                        skipped++;
                    } else {
                        method.update(step, grads, opt, lr, Schedule.clipScale(Math.sqrt(sq), c.maxGradNorm()));
                        lastLoss = loss;
                        lastReg = reg;
                    }
                }
                method.afterStep(step, opt);
                double dt = (System.nanoTime() - s0) / 1e9;
                trainSeconds += dt;
                stepTimes.add(dt);
                ObjectNode pt = curve.addObject();
                pt.put("step", step + 1);
                pt.put("loss", lastLoss);
                if (c.linearityWeight() != 0) {
                    pt.put("linearity_penalty", lastReg);
                }
                pt.put("lr", lr);
                if (c.evalEvery() > 0 && (step + 1) % c.evalEvery() == 0 && step + 1 < c.steps()) {
                    pt.put(task.metric(), task.evaluate());
                }
                progress.update(step + 1, String.format("loss %.4f lr %.2e %6.0f tok/s", lastLoss, lr,
                        tokens / Math.max(trainSeconds, 1e-9)));
                if (c.saveEvery() > 0 && (step + 1) % c.saveEvery() == 0 && step + 1 < c.steps()) {
                    TrainingCheckpoint.save(ckptDir, step + 1, method.stateParameters(), opt, method.extraState(), curve);
                }
            }
            progress.done();
            requireTrained(c.steps() - start, skipped, method.stateParameters());
            result.put("method", c.method());
            result.put("final_loss", lastLoss);
            result.put("skipped_steps", skipped);
            result.put("trainable_parameters", method.trainableCount());
            result.put("optimizer_state_bytes", opt.stateBytes() + method.extraOptimizerBytes());
            result.put("tokens_per_s", tokens / Math.max(trainSeconds, 1e-9));
            result.put("step_seconds", trainSeconds / Math.max(1, c.steps() - start));
            result.put("step_seconds_median", median(stepTimes.subList(Math.min(stepTimes.size() - 1, 3), stepTimes.size())));
            result.put("steps", c.steps());
            result.put("batch", c.batch());
            result.put("accumulate", c.accumulate());
            result.put("seq", c.seq());
            result.put("lr", c.lr());
            result.put("seed", c.seed());
            if (c.linearityWeight() != 0) {
                result.put("linearity_weight", c.linearityWeight());
            }
            method.describe(result);
        }
        return result;
    }

    /**
     * After the updates and before anything is written: a run whose every update was skipped, or
     * whose trained parameters hold a NaN or an infinity, is a failure (exit 1), not an output.
     */
    static void requireTrained(int updates, int skipped, List<Parameter> params) {
        if (updates > 0 && skipped == updates) {
            throw new LinforgeException(LinforgeException.FAILURE, "all " + updates + " updates were skipped (non-finite"
                    + " loss or gradient); nothing was trained and no output was written");
        }
        for (Parameter p : params) {
            String kind = nonFiniteKind(p.array());
            if (kind != null) {
                throw new LinforgeException(LinforgeException.FAILURE, "training made '" + p.name() + "' non-finite ("
                        + kind + "; " + skipped + " of " + updates + " updates skipped); no output was written");
            }
        }
    }

    static double learningRate(TrainConfig c, Schedule.Kind kind, int step) {
        return Methods.get(c.method()).learningRate(c, kind, step);
    }

    /** The median of the step times after the first three (warm-up), NaN when there are none. */
    static double median(List<Double> times) {
        if (times.isEmpty()) {
            return Double.NaN;
        }
        List<Double> s = new java.util.ArrayList<>(times);
        java.util.Collections.sort(s);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    /** Peak resident set size of this process (Linux), or −1. */
    public static long peakRss() {
        try {
            for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (java.io.IOException | NumberFormatException e) {
            // not Linux
        }
        return -1;
    }

    /** "NaN" when {@code a} holds a NaN, else "inf" when it holds an infinity, else null. */
    static String nonFiniteKind(NDArray a) {
        try (NDArray isNan = a.isNaN(); NDArray anyNan = isNan.any(); NDArray isInf = a.isInfinite();
                NDArray anyInf = isInf.any()) {
            return anyNan.getBoolean() ? "NaN" : anyInf.getBoolean() ? "inf" : null;
        }
    }

    /** Names the gradients holding NaN or infinite values (empty when all are finite: an overflow of the norm). */
    static String nonFinite(Map<String, NDArray> grads) {
        java.util.List<String> bad = new java.util.ArrayList<>();
        for (Map.Entry<String, NDArray> e : grads.entrySet()) {
            String kind = nonFiniteKind(e.getValue());
            if (kind != null) {
                bad.add(e.getKey() + " (" + kind + ")");
            }
        }
        return bad.isEmpty() ? "; every gradient is finite (the norm overflowed)"
                : "; non-finite gradients: " + String.join(", ", bad.subList(0, Math.min(5, bad.size())))
                        + (bad.size() > 5 ? " and " + (bad.size() - 5) + " more" : "");
    }
}
