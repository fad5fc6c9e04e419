package io.linforge.trainer.bitfit;

import io.linforge.core.LinforgeException;
import io.linforge.model.Linear;
import io.linforge.model.Parameter;
import io.linforge.model.TransformerModel;
import io.linforge.trainer.Method;
import io.linforge.trainer.TrainConfig;
import io.linforge.trainer.TrainingMethod;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** BitFit: the biases train (and the parameters every method trains); the output is a checkpoint. */
public final class BitFit implements Method {
    @Override
    public String name() {
        return "bitfit";
    }

    @Override
    public double defaultLr() {
        return 1e-3;
    }

    @Override
    public TrainingMethod create(TransformerModel model, TrainConfig c, List<Parameter> alwaysTrained,
            List<Linear> noAdapters) {
        List<Parameter> d = new ArrayList<>();
        model.parameters().values().stream().filter(p -> p.name().endsWith(".bias")).forEach(d::add);
        if (d.isEmpty()) {
            throw LinforgeException.badInput("--method bitfit: the model has no bias parameters");
        }
        for (Parameter p : alwaysTrained) {
            if (!d.contains(p)) {
                d.add(p);
            }
        }
        return new TrainingMethod(d, Map.of());
    }
}
