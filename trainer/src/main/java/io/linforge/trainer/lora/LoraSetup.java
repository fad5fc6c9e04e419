package io.linforge.trainer.lora;

import io.linforge.model.Linear;
import io.linforge.model.TransformerModel;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Puts LoRA adapters on the linear layers whose module path matches the targets (PEFT rules). */
public final class LoraSetup {
    private LoraSetup() {
    }

    /** PEFT list semantics: a target matches the full module name or its last dotted segments. */
    public static boolean matches(String module, List<String> targets) {
        for (String t : targets) {
            if (module.equals(t) || module.endsWith("." + t)) {
                return true;
            }
        }
        return false;
    }

    public static Map<String, LoraLinear> inject(TransformerModel model, List<String> targets, List<Linear> exclude,
            int r, double alpha, boolean rslora, double dropout, long seed) {
        return inject(model, targets, exclude, r, alpha, rslora, dropout, seed, null);
    }

    /** As above, each adapter with the variant {@code variant} makes (null: plain LoRA). */
    public static Map<String, LoraLinear> inject(TransformerModel model, List<String> targets, List<Linear> exclude,
            int r, double alpha, boolean rslora, double dropout, long seed, LoraLinear.VariantFactory variant) {
        List<Linear> chosen = model.linears().values().stream()
                .filter(l -> !exclude.contains(l) && matches(l.name(), targets)).toList();
        for (Linear l : chosen) {
            long most = Math.min(l.inFeatures(), l.outFeatures());
            if (r > most) {
                throw io.linforge.core.LinforgeException.badInput("--rank: " + r + " is larger than layer " + l.name()
                        + " allows (min(in_features " + l.inFeatures() + ", out_features " + l.outFeatures() + ") = "
                        + most + ")");
            }
        }
        SplittableRandom rng = new SplittableRandom(seed ^ 0x5DEECE66DL);
        Map<String, LoraLinear> out = new LinkedHashMap<>();
        for (Linear l : chosen) {
            LoraLinear a = new LoraLinear(l, l.name(), r, alpha, rslora, dropout, model.manager(), rng, variant);
            l.adapters().add(a);
            out.put(l.name(), a);
        }
        if (out.isEmpty()) {
            throw io.linforge.core.LinforgeException.badInput("--target-modules: " + targets + " matches no linear layer");
        }
        return out;
    }
}
