package io.linforge.trainer;

import io.linforge.core.LinforgeException;
import io.linforge.core.model.Linear;
import io.linforge.core.model.Parameter;
import io.linforge.core.model.TransformerModel;
import io.linforge.trainer.lora.LoraLinear;
import io.linforge.trainer.lora.LoraSetup;
import io.linforge.trainer.relora.ReLora;
import io.linforge.trainer.sparsegrad.SparseGrad;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds the training method a config names, on a loaded model. */
public final class Methods {
    private Methods() {
    }

    /**
     * @param alwaysTrained parameters every method trains in full (classification heads; for
     *     language modelling the embeddings, norms and LM head)
     * @param noAdapters linears that never get adapters (the heads)
     */
    public static TrainingMethod create(TransformerModel model, TrainConfig c, List<Parameter> alwaysTrained,
            List<Linear> noAdapters) {
        for (Parameter p : model.parameters().values()) {
            p.setTrainable(false);
        }
        List<Parameter> all = new ArrayList<>(model.parameters().values());
        return switch (c.method()) {
            case "full" -> new TrainingMethod(all, Map.of());
            case "bitfit" -> {
                List<Parameter> d = new ArrayList<>();
                all.stream().filter(p -> p.name().endsWith(".bias")).forEach(d::add);
                if (d.isEmpty()) {
                    throw LinforgeException.badInput("--method bitfit: the model has no bias parameters");
                }
                addAll(d, alwaysTrained);
                yield new TrainingMethod(d, Map.of());
            }
            case "lora" -> new TrainingMethod(alwaysTrained, inject(model, c, noAdapters));
            case "relora" -> new ReLora(alwaysTrained, inject(model, c, noAdapters), all, c.relora(), c.seed());
            case "sparsegrad" -> {
                Map<Linear, String> mlp = new LinkedHashMap<>();
                for (Linear l : model.linears().values()) {
                    String type = SparseGrad.layerType(l.name());
                    if (type != null && !noAdapters.contains(l)) {
                        mlp.put(l, type);
                    }
                }
                yield new SparseGrad(mlp, alwaysTrained, model.manager(), c.sparseGrad());
            }
            default -> throw LinforgeException.badInput("--method: '" + c.method() + "' is not one of "
                    + String.join(", ", TrainConfig.METHODS));
        };
    }

    private static Map<String, LoraLinear> inject(TransformerModel model, TrainConfig c, List<Linear> noAdapters) {
        return LoraSetup.inject(model, c.targets(), noAdapters, c.rank(), c.alpha(), c.rslora(), c.loraDropout(), c.seed());
    }

    private static void addAll(List<Parameter> to, List<Parameter> from) {
        for (Parameter p : from) {
            if (!to.contains(p)) {
                to.add(p);
            }
        }
    }
}
