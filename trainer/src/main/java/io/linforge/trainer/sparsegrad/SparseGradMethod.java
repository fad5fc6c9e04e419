package io.linforge.trainer.sparsegrad;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.core.LinforgeException;
import io.linforge.core.adapter.Adapter;
import io.linforge.model.Linear;
import io.linforge.model.Parameter;
import io.linforge.model.TransformerModel;
import io.linforge.trainer.Method;
import io.linforge.trainer.TrainConfig;
import io.linforge.trainer.TrainingMethod;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** SparseGrad ({@link SparseGrad}) on the MLP weights; a classifier run writes a SparseGrad adapter folder. */
public final class SparseGradMethod implements Method {
    @Override
    public String name() {
        return "sparsegrad";
    }

    @Override
    public double defaultLr() {
        return 1e-4;
    }

    @Override
    public void validate(TrainConfig c) {
        TrainConfig.SparseGradOptions o = c.sparseGrad();
        if (o.collectSteps() < 1 || o.collectSteps() >= c.steps()) {
            throw LinforgeException.badInput("--collect-steps must be in [1, steps)");
        }
        if (!List.of("paper", "hosvd").contains(o.variant())) {
            throw LinforgeException.badInput("--sparse-variant: '" + o.variant() + "' is not paper or hosvd");
        }
        if (o.keep() < 0) {
            throw LinforgeException.badInput("--keep must be >= 0 (0: 1% of each layer)");
        }
    }

    @Override
    public TrainingMethod create(TransformerModel model, TrainConfig c, List<Parameter> alwaysTrained,
            List<Linear> noAdapters) {
        Map<Linear, String> mlp = new LinkedHashMap<>();
        for (Linear l : model.linears().values()) {
            String type = SparseGrad.layerType(l.name());
            if (type != null && !noAdapters.contains(l)) {
                mlp.put(l, type);
            }
        }
        return new SparseGrad(mlp, alwaysTrained, model.manager(), c.sparseGrad());
    }

    @Override
    public Adapter adapter(TrainingMethod trained, Output out) {
        ObjectNode extra = JsonNodeFactory.instance.objectNode();
        extra.put("base_model_name_or_path", out.baseModel());
        return ((SparseGrad) trained).toDelta(out.hfName(), extra);
    }
}
