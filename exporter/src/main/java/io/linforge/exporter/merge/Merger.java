package io.linforge.exporter.merge;

import io.linforge.core.LinforgeException;
import io.linforge.core.adapter.Adapter;
import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.core.tensor.TensorData;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Folds adapters into plain weights through {@link Adapter}: LoRA factors become
 * {@code W + B·A·scaling} (DoRA rescales each row to its magnitude), SparseGrad changes
 * {@code W + P·D·Q}; whole tensors an adapter carries (classification heads, trained biases) replace
 * or extend the base ones. The base checkpoint is only read.
 */
public final class Merger {
    private Merger() {
    }

    /** The base tensors with every adapter applied in order (all floating tensors as fp32). */
    public static Map<String, TensorData> merge(Checkpoint base, List<Path> adapterDirs) {
        Map<String, TensorData> out = new LinkedHashMap<>();
        for (Map.Entry<String, TensorData> e : base.tensors().entrySet()) {
            TensorData t = e.getValue();
            out.put(e.getKey(), t.dtype().isFloating() ? t.toF32() : t);
        }
        for (Path dir : adapterDirs) {
            apply(out, dir);
        }
        return out;
    }

    /**
     * One adapter, whatever its format: each delta folds into its base weight, the tensors it carries whole
     * replace or extend the base ones.
     */
    static void apply(Map<String, TensorData> weights, Path dir) {
        Adapter adapter = Adapter.read(dir);
        Path file = adapter.weightsFile();
        for (Adapter.Delta d : adapter.deltas()) {
            String key = resolve(weights, d.module() + ".weight");
            TensorData w = weights.get(key);
            if (w == null) {
                throw d.missingBase(key);
            }
            if (!Arrays.equals(w.shape(), d.shape())) {
                throw d.shapeMismatch(w.shape());
            }
            weights.put(key, TensorData.ofFloats(w.shape(), d.fold(w.toFloats()))
                    .requireFinite(file, d.describe() + " merged into " + key));
        }
        adapter.checkTargets(weights.keySet().stream().filter(k -> k.endsWith(".weight"))
                .map(k -> k.substring(0, k.length() - ".weight".length())).toList());
        for (Map.Entry<String, TensorData> e : adapter.fullTensors().entrySet()) {
            String key = resolve(weights, e.getKey());
            TensorData prev = weights.get(key);
            TensorData t = e.getValue().dtype().isFloating() ? e.getValue().toF32() : e.getValue();
            if (prev != null && !Arrays.equals(prev.shape(), t.shape())) {
                throw LinforgeException.badInput(file, adapter.fileKey(e.getKey()), "shape " + Arrays.toString(t.shape())
                        + " does not match the base " + Arrays.toString(prev.shape()));
            }
            weights.put(key, t);
        }
    }

    /**
     * The checkpoint's name for an adapter key: the key itself, or without the base-model prefix
     * ({@code bert.}, {@code roberta.}) when the checkpoint is the bare encoder (e.g. an import).
     */
    static String resolve(Map<String, TensorData> weights, String key) {
        if (weights.containsKey(key)) {
            return key;
        }
        for (String p : new String[] {"bert.", "roberta."}) {
            if (key.startsWith(p)) {
                String bare = key.substring(p.length());
                boolean bareCheckpoint = weights.keySet().stream().anyMatch(k -> k.startsWith("embeddings."));
                if (bareCheckpoint) {
                    return bare;
                }
            }
        }
        return key;
    }
}
