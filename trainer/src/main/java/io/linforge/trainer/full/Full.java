package io.linforge.trainer.full;

import io.linforge.model.Linear;
import io.linforge.model.Parameter;
import io.linforge.model.TransformerModel;
import io.linforge.trainer.Method;
import io.linforge.trainer.TrainConfig;
import io.linforge.trainer.TrainingMethod;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Full fine-tuning: every parameter trains; the output is a checkpoint. */
public final class Full implements Method {
    @Override
    public String name() {
        return "full";
    }

    @Override
    public double defaultLr() {
        return 5e-5;
    }

    @Override
    public TrainingMethod create(TransformerModel model, TrainConfig c, List<Parameter> alwaysTrained,
            List<Linear> noAdapters) {
        return new TrainingMethod(new ArrayList<>(model.parameters().values()), Map.of());
    }
}
