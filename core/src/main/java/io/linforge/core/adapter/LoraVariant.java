package io.linforge.core.adapter;

import io.linforge.core.tensor.TensorData;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A variant of LoRA in the PEFT format: selected by a flag of {@code adapter_config.json}, it adds
 * tensors per module next to {@code lora_A}/{@code lora_B} and changes how the factors fold into
 * the weight. The plain LoRA fold is {@code W + s·B·A}.
 */
public interface LoraVariant {
    /** Every variant the PEFT reader knows. */
    List<LoraVariant> ALL = List.of(new DoraVariant());

    /** The boolean field of {@code adapter_config.json} that selects it (e.g. {@code use_dora}). */
    String flag();

    /** The tensor names it adds per module, after {@code base_model.model.<module>.}. */
    List<String> leaves();

    /**
     * The adapted weight [out, in] from the base weight and the scaled change {@code s·B·A} (both row-major)
     * and the module's own tensors by leaf; exit 2 naming {@code file} and the tensor when one does not fit.
     */
    float[] fold(float[] weight, float[] delta, int out, int in, Map<String, TensorData> tensors, Path file, String key);
}
