package io.linforge.trainer.lora;

import io.linforge.core.adapter.Adapter;
import io.linforge.core.adapter.LoraAdapter;
import io.linforge.model.Linear;
import io.linforge.model.Parameter;
import io.linforge.model.TransformerModel;
import io.linforge.trainer.Method;
import io.linforge.trainer.TrainConfig;
import io.linforge.trainer.TrainingMethod;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * LoRA: adapters on the linears {@code --target-modules} names ({@code --rank}, {@code --alpha},
 * {@code --lora-dropout}, {@code --rslora}), the parameters every method trains in full beside them;
 * a classifier run writes a PEFT adapter folder. A variant of LoRA (DoRA) is this method with
 * {@link #variant()} set.
 */
public class Lora implements Method {
    @Override
    public String name() {
        return "lora";
    }

    @Override
    public double defaultLr() {
        return 5e-4;
    }

    /** What each adapter carries beyond A and B (null: plain LoRA). */
    protected LoraLinear.VariantFactory variant() {
        return null;
    }

    @Override
    public TrainingMethod create(TransformerModel model, TrainConfig c, List<Parameter> alwaysTrained,
            List<Linear> noAdapters) {
        return new TrainingMethod(alwaysTrained, inject(model, c, noAdapters, variant()));
    }

    /** Adapters with the config's rank, alpha, dropout and targets on every matching linear but {@code noAdapters}. */
    public static Map<String, LoraLinear> inject(TransformerModel model, TrainConfig c, List<Linear> noAdapters,
            LoraLinear.VariantFactory variant) {
        return LoraSetup.inject(model, c.targets(), noAdapters, c.rank(), c.alpha(), c.rslora(), c.loraDropout(),
                c.seed(), variant);
    }

    @Override
    public Adapter adapter(TrainingMethod trained, Output out) {
        List<LoraAdapter.Module> modules = new ArrayList<>();
        trained.adapters().forEach((name, l) -> modules.add(l.toModule(out.hfName().apply(name))));
        TrainConfig c = out.config();
        LoraAdapter.Settings s = new LoraAdapter.Settings(c.rank(), c.alpha(), c.loraDropout(), c.rslora(), c.targets(),
                out.modulesToSave(), out.taskType(), out.baseModel(), modules.isEmpty() ? null : modules.get(0).variant());
        return LoraAdapter.of(s, modules, out.wholeTensors());
    }
}
