package io.linforge.trainer;

import io.linforge.core.LinforgeException;
import io.linforge.model.Linear;
import io.linforge.model.Parameter;
import io.linforge.model.TransformerModel;
import io.linforge.trainer.bitfit.BitFit;
import io.linforge.trainer.dora.Dora;
import io.linforge.trainer.full.Full;
import io.linforge.trainer.lora.Lora;
import io.linforge.trainer.relora.ReLoraMethod;
import io.linforge.trainer.sparsegrad.SparseGradMethod;
import java.util.List;

/** The registry of training methods: {@code --method NAME} is looked up here and nowhere else. */
public final class Methods {
    /** Every method, in the order the help lists them. */
    public static final List<Method> ALL = List.of(new Lora(), new ReLoraMethod(), new SparseGradMethod(), new BitFit(),
            new Full(), new Dora());

    private Methods() {
    }

    /** The names {@code --method} accepts. */
    public static List<String> names() {
        return ALL.stream().map(Method::name).toList();
    }

    /** The method called {@code name}; exit 2 naming {@code --method} when there is none. */
    public static Method get(String name) {
        for (Method m : ALL) {
            if (m.name().equals(name)) {
                return m;
            }
        }
        throw LinforgeException.badInput("--method: '" + name + "' is not one of " + String.join(", ", names()));
    }

    /** Builds the method a config names on a loaded model (see {@link Method#create}). */
    public static TrainingMethod create(TransformerModel model, TrainConfig c, List<Parameter> alwaysTrained,
            List<Linear> noAdapters) {
        for (Parameter p : model.parameters().values()) {
            p.setTrainable(false);
        }
        return get(c.method()).create(model, c, alwaysTrained, noAdapters);
    }
}
