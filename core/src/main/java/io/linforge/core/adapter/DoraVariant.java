package io.linforge.core.adapter;

import io.linforge.core.LinforgeException;
import io.linforge.core.tensor.TensorData;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * DoRA (PEFT {@code use_dora: true}): the weight is split into a magnitude per output row and a
 * direction, {@code W' = m · (W + s·B·A) / ‖W + s·B·A‖}, the norm taken over each row of the
 * [out, in] weight (one value per output feature). {@code m} is saved as
 * {@code base_model.model.<module>.lora_magnitude_vector} [out] and starts as the row norms of W.
 */
public final class DoraVariant implements LoraVariant {
    public static final String FLAG = "use_dora";
    public static final String MAGNITUDE = "lora_magnitude_vector";

    @Override
    public String flag() {
        return FLAG;
    }

    @Override
    public List<String> leaves() {
        return List.of(MAGNITUDE);
    }

    @Override
    public float[] fold(float[] weight, float[] delta, int out, int in, Map<String, TensorData> tensors, Path file,
            String key) {
        TensorData m = tensors.get(MAGNITUDE);
        String field = key + "." + MAGNITUDE;
        if (m == null) {
            throw LinforgeException.badInput(file, field, "missing (the config sets " + FLAG + ")");
        }
        if (m.numel() != out) {
            throw LinforgeException.badInput(file, field, "has " + m.numel() + " values, expected " + out
                    + " (one per output feature)");
        }
        float[] mag = m.toFloats();
        float[] w = new float[out * in];
        double[] v = new double[in];
        for (int o = 0; o < out; o++) {
            double sq = 0;
            for (int i = 0; i < in; i++) {
                v[i] = (double) weight[o * in + i] + delta[o * in + i];
                sq += v[i] * v[i];
            }
            double scale = mag[o] / Math.sqrt(sq);
            for (int i = 0; i < in; i++) {
                w[o * in + i] = (float) (scale * v[i]);
            }
        }
        return w;
    }
}
