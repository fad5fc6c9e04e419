package io.linforge.trainer.relora;

import io.linforge.core.LinforgeException;
import io.linforge.model.Linear;
import io.linforge.model.Parameter;
import io.linforge.model.TransformerModel;
import io.linforge.trainer.Method;
import io.linforge.trainer.TrainConfig;
import io.linforge.trainer.TrainingMethod;
import io.linforge.trainer.lora.Lora;
import io.linforge.trainer.optim.Schedule;
import java.util.ArrayList;
import java.util.List;

/** ReLoRA ({@link ReLora}): LoRA merged and restarted, on the jagged schedule; the output is a checkpoint. */
public final class ReLoraMethod implements Method {
    @Override
    public String name() {
        return "relora";
    }

    @Override
    public double defaultLr() {
        return 5e-4;
    }

    @Override
    public Schedule.Kind defaultSchedule(Schedule.Kind taskDefault) {
        return Schedule.Kind.JAGGED;
    }

    @Override
    public double learningRate(TrainConfig c, Schedule.Kind kind, int step) {
        if (kind != Schedule.Kind.JAGGED) {
            return Method.super.learningRate(c, kind, step);
        }
        TrainConfig.ReLoraOptions r = c.relora();
        double peak = step < r.warmStart() && r.warmStartLr() > 0 ? r.warmStartLr() : c.lr();
        return Schedule.jagged(peak, step, c.steps(), c.warmup(), r.every(), r.restartWarmup(), r.minLrRatio(),
                r.warmStart());
    }

    @Override
    public void validate(TrainConfig c) {
        TrainConfig.ReLoraOptions relora = c.relora();
        if (relora.every() < 1 || relora.restartWarmup() < 1 || relora.restartWarmup() >= relora.every()) {
            throw LinforgeException.badInput("--relora-every must be >= 1 and --restart-warmup in [1, relora-every)");
        }
        if (!List.of("random", "magnitude").contains(relora.reset())) {
            throw LinforgeException.badInput("--optimizer-reset: '" + relora.reset() + "' is not random or magnitude");
        }
        if (relora.prune() < 0 || relora.prune() > 1) {
            throw LinforgeException.badInput("--reset-fraction must be in [0, 1]");
        }
        if (relora.warmStart() < 0 || relora.warmStart() >= c.steps()) {
            throw LinforgeException.badInput("--warm-start must be in [0, steps)");
        }
        if (!(relora.warmStartLr() >= 0) || Double.isInfinite(relora.warmStartLr())) {
            throw LinforgeException.badInput("--warm-start-lr must be a finite rate >= 0");
        }
        if (relora.warmStartLr() > 0 && relora.warmStart() == 0) {
            throw LinforgeException.badInput("--warm-start-lr needs --warm-start > 0 (there is no warm start to run at it)");
        }
        if (!TrainConfig.ReLoraOptions.INIT_A.contains(relora.initA())) {
            throw LinforgeException.badInput("--relora-init-a: '" + relora.initA() + "' is not "
                    + String.join(" or ", TrainConfig.ReLoraOptions.INIT_A));
        }
    }

    @Override
    public TrainingMethod create(TransformerModel model, TrainConfig c, List<Parameter> alwaysTrained,
            List<Linear> noAdapters) {
        return new ReLora(alwaysTrained, Lora.inject(model, c, noAdapters, null),
                new ArrayList<>(model.parameters().values()), c.relora(), c.seed());
    }
}
