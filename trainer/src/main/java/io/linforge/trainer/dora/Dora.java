package io.linforge.trainer.dora;

import io.linforge.trainer.lora.Lora;
import io.linforge.trainer.lora.LoraLinear;

/**
 * DoRA: LoRA whose adapted weight is rescaled per output row to a trained magnitude
 * ({@link DoraMagnitude}); same options, defaults and outputs as LoRA (a PEFT folder with
 * {@code use_dora: true} for classifiers, a checkpoint with the adapters folded in for decoders).
 */
public final class Dora extends Lora {
    @Override
    public String name() {
        return "dora";
    }

    @Override
    protected LoraLinear.VariantFactory variant() {
        return DoraMagnitude::new;
    }
}
