package io.linforge.core.adapter;

import io.linforge.core.LinforgeException;
import io.linforge.core.tensor.TensorData;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * What a parameter-efficient method trained, as a file format: per adapted module the change it
 * makes to the base weight ({@link Delta#fold}), the tensors it carries whole (heads, trained
 * biases), and its folder ({@link #save}, {@link #read}). The trainer folds its adapters and writes
 * them through this type; the exporter's merge reads and folds them through it.
 */
public interface Adapter {
    /** One base weight the adapter changes. */
    interface Delta {
        /** The module path; its weight is {@code module + ".weight"}. */
        String module();

        /** The shape of the base weight it applies to, as the checkpoint stores it. */
        long[] shape();

        /** The adapted weight from the base one (both row-major in {@link #shape()}). */
        float[] fold(float[] weight);

        /** Exit 2 for a base checkpoint that has no weight {@code key} for this module. */
        LinforgeException missingBase(String key);

        /** Exit 2 for a base weight of another shape. */
        LinforgeException shapeMismatch(long[] baseShape);

        /** How a non-finite merged value names the delta. */
        String describe();
    }

    /**
     * A {@link Delta} from its parts: the module, the base shape, the fold, the two refusals and the
     * description.
     */
    record Change(String module, long[] shape, java.util.function.UnaryOperator<float[]> folder,
            java.util.function.Function<String, LinforgeException> missing,
            java.util.function.Function<long[], LinforgeException> mismatch, String describe) implements Delta {
        @Override
        public float[] fold(float[] weight) {
            return folder.apply(weight);
        }

        @Override
        public LinforgeException missingBase(String key) {
            return missing.apply(key);
        }

        @Override
        public LinforgeException shapeMismatch(long[] baseShape) {
            return mismatch.apply(baseShape);
        }
    }

    /** {@code weight + delta}, element by element, as a new array. */
    static float[] add(float[] weight, float[] delta) {
        float[] v = weight.clone();
        for (int i = 0; i < v.length; i++) {
            v[i] += delta[i];
        }
        return v;
    }

    List<? extends Delta> deltas();

    /** Tensors stored whole (classification heads, biases), by their name in the model. */
    Map<String, TensorData> fullTensors();

    /** The file that holds the adapter's tensors (named in errors). */
    Path weightsFile();

    /** The name the weights file gives a full tensor (named in errors). */
    String fileKey(String tensorName);

    /** Exit 2 when the adapter declares targets and none of them is one of {@code baseModules}. */
    default void checkTargets(Collection<String> baseModules) {
    }

    /** Writes the adapter's files into {@code dir} (a temporary folder its caller publishes). */
    void save(Path dir) throws IOException;

    /** Reads an adapter folder of any known format; exit 2 naming the file and field when it is malformed. */
    static Adapter read(Path dir) {
        return SparseGradDelta.isSparseGrad(dir) ? SparseGradDelta.read(dir) : LoraAdapter.read(dir);
    }
}
