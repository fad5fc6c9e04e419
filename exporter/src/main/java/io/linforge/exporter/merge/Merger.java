package io.linforge.exporter.merge;

import io.linforge.core.LinforgeException;
import io.linforge.core.adapter.SparseGradDelta;
import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.core.tensor.TensorData;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Folds adapters into plain weights: LoRA factors become {@code W + B·A·scaling}, whole tensors
 * an adapter carries (classification heads, trained biases) replace or extend the base ones. The
 * base checkpoint is only read.
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

    static void apply(Map<String, TensorData> weights, Path dir) {
        if (SparseGradDelta.isSparseGrad(dir)) {
            applySparseGrad(weights, dir);
            return;
        }
        LoraAdapter adapter = LoraAdapter.read(dir);
        Path file = dir.resolve(LoraAdapter.WEIGHTS);
        for (LoraAdapter.Module m : adapter.modules().values()) {
            String key = resolve(weights, m.name() + ".weight");
            TensorData w = weights.get(key);
            if (w == null) {
                throw LinforgeException.badInput(file, "base_model.model." + m.name() + ".lora_A.weight",
                        "the base checkpoint has no '" + key + "'");
            }
            long[] ws = w.shape();
            long out = m.b().shape()[0];
            long in = m.a().shape()[1];
            long[] expect = adapter.fanInFanOut() ? new long[] {in, out} : new long[] {out, in};
            if (!Arrays.equals(ws, expect)) {
                throw LinforgeException.badInput(file, "base_model.model." + m.name(), "adapter shape " + Arrays.toString(expect)
                        + " does not match the base weight " + Arrays.toString(ws));
            }
            float[] d = LoraAdapter.delta(m);
            if (adapter.fanInFanOut()) {
                d = TensorData.ofFloats(new long[] {out, in}, d).transpose2d().toFloats();
            }
            add(weights, key, d, file, "base_model.model." + m.name() + " (scaling " + m.scaling() + ")");
        }
        List<String> baseModules = weights.keySet().stream().filter(k -> k.endsWith(".weight"))
                .map(k -> k.substring(0, k.length() - ".weight".length())).toList();
        if (!adapter.targetsAnyOf(baseModules)) {
            throw LinforgeException.badInput(dir.resolve(LoraAdapter.CONFIG), "target_modules", adapter.targetModules()
                    + " names no module of the base checkpoint");
        }
        for (Map.Entry<String, TensorData> e : adapter.fullTensors().entrySet()) {
            String key = resolve(weights, e.getKey());
            TensorData prev = weights.get(key);
            TensorData t = e.getValue().dtype().isFloating() ? e.getValue().toF32() : e.getValue();
            if (prev != null && !Arrays.equals(prev.shape(), t.shape())) {
                throw LinforgeException.badInput(file, "base_model.model." + e.getKey(), "shape " + Arrays.toString(t.shape())
                        + " does not match the base " + Arrays.toString(prev.shape()));
            }
            weights.put(key, t);
        }
    }

    /** A SparseGrad adapter: each weight gains its dense change (P·D·Q), densely trained tensors replace the base ones. */
    static void applySparseGrad(Map<String, TensorData> weights, Path dir) {
        SparseGradDelta delta = SparseGradDelta.read(dir);
        Path file = dir.resolve(SparseGradDelta.WEIGHTS);
        for (SparseGradDelta.Module m : delta.modules().values()) {
            String key = resolve(weights, m.name() + ".weight");
            TensorData w = weights.get(key);
            if (w == null) {
                throw LinforgeException.badInput(file, m.name() + ".delta.values", "the base checkpoint has no '" + key + "'");
            }
            if (!Arrays.equals(w.shape(), new long[] {m.out(), m.in()})) {
                throw LinforgeException.badInput(dir.resolve(SparseGradDelta.CONFIG), "modules." + m.name() + ".shape",
                        "[" + m.out() + ", " + m.in() + "] does not match the base weight " + Arrays.toString(w.shape()));
            }
            float[] d = delta.denseDelta(m);
            add(weights, key, d, file, m.name() + ".delta");
        }
        for (Map.Entry<String, TensorData> e : delta.fullTensors().entrySet()) {
            String key = resolve(weights, e.getKey());
            TensorData prev = weights.get(key);
            TensorData t = e.getValue().dtype().isFloating() ? e.getValue().toF32() : e.getValue();
            if (prev != null && !Arrays.equals(prev.shape(), t.shape())) {
                throw LinforgeException.badInput(file, e.getKey(), "shape " + Arrays.toString(t.shape())
                        + " does not match the base " + Arrays.toString(prev.shape()));
            }
            weights.put(key, t);
        }
    }

    /** {@code weights[key] += delta}; a sum that is not finite is exit 2 naming the adapter file and {@code what}. */
    private static void add(Map<String, TensorData> weights, String key, float[] delta, Path file, String what) {
        TensorData w = weights.get(key);
        float[] v = w.toFloats();
        for (int i = 0; i < v.length; i++) {
            v[i] += delta[i];
        }
        weights.put(key, TensorData.ofFloats(w.shape(), v).requireFinite(file, what + " merged into " + key));
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
