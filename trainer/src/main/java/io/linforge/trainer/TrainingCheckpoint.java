package io.linforge.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.core.LinforgeException;
import io.linforge.core.checkpoint.Safetensors;
import io.linforge.core.io.AtomicFiles;
import io.linforge.core.tensor.TensorData;
import io.linforge.model.Parameter;
import io.linforge.model.TransformerModel;
import io.linforge.trainer.optim.AdamW;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A training checkpoint next to the output folder ({@code <out>.ckpt}): the parameters training
 * changes, the AdamW moments and step counts, the method's own state (SparseGrad bases and moments), the step reached and the curve so far; written atomically,
 * removed when the run completes. With the data order and dropout seeds derived from the step,
 * resuming from it gives the same final weights as an uninterrupted run. libtorch splits its reductions
 * and matrix products by the number of intra-op threads, so the last bits of every update depend
 * on it: the checkpoint records it, and a resume with another thread count is refused.
 */
public final class TrainingCheckpoint {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The field of {@code state.json} that records the intra-op thread count of the run that wrote it. */
    static final String THREADS = "intra_op_threads";

    private TrainingCheckpoint() {
    }

    /** libtorch's intra-op thread count in this process. */
    static int intraOpThreads() {
        return ai.djl.pytorch.jni.JniUtils.getNumThreads();
    }

    public static Path dirFor(Path out) {
        Path abs = out.toAbsolutePath();
        return abs.resolveSibling(abs.getFileName() + ".ckpt");
    }

    static void save(Path dir, int step, List<Parameter> params, AdamW opt, Map<String, NDArray> extra,
            ArrayNode curve) {
        Map<String, TensorData> t = new LinkedHashMap<>();
        ObjectNode state = JSON.createObjectNode();
        state.put("step", step);
        state.put(THREADS, intraOpThreads());
        ObjectNode steps = state.putObject("optimizer_steps");
        for (Parameter p : params) {
            t.put("param." + p.name(), TransformerModel.toTensorData(p.array()));
        }
        for (Map.Entry<String, AdamW.State> e : opt.state().entrySet()) {
            t.put("adam_m." + e.getKey(), TransformerModel.toTensorData(e.getValue().m));
            t.put("adam_v." + e.getKey(), TransformerModel.toTensorData(e.getValue().v));
            steps.put(e.getKey(), e.getValue().step);
        }
        extra.forEach((k, v) -> t.put("extra." + k, TransformerModel.toTensorData(v)));
        state.set("curve", curve);
        try {
            AtomicFiles.writeDir(dir, tmp -> {
                Safetensors.write(tmp.resolve("state.safetensors"), t, Map.of());
                AtomicFiles.writeString(tmp.resolve("state.json"), JSON.writeValueAsString(state));
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Loads the checkpoint into the parameters and optimizer and hands the method its extra state;
     * returns the step to continue from (0 when there is none).
     */
    static int restore(Path dir, List<Parameter> params, AdamW opt, java.util.function.Consumer<Map<String, TensorData>> extra,
            ArrayNode curve) {
        Path json = dir.resolve("state.json");
        if (!Files.isRegularFile(json)) {
            return 0;
        }
        JsonNode state;
        try {
            state = JSON.readTree(json.toFile());
        } catch (IOException e) {
            throw LinforgeException.badInput(json, "json", "unreadable checkpoint: " + e.getMessage());
        }
        int threads = state.path(THREADS).asInt(intraOpThreads());
        if (threads != intraOpThreads()) {
            throw LinforgeException.badInput(json, THREADS, "the checkpoint was written with " + threads
                    + " intra-op threads, this run has " + intraOpThreads() + "; the updates would differ in the last"
                    + " bits; resume with -Dai.djl.pytorch.num_threads=" + threads + " (LINFORGE_JAVA_OPTS)");
        }
        Map<String, TensorData> t = Safetensors.readAll(dir.resolve("state.safetensors"));
        for (Parameter p : params) {
            TensorData v = t.get("param." + p.name());
            if (v == null) {
                throw LinforgeException.badInput(dir.resolve("state.safetensors"), "param." + p.name(),
                        "missing: the checkpoint belongs to another run configuration");
            }
            copyInto(p.array(), v);
        }
        Map<String, TensorData> rest = new LinkedHashMap<>();
        for (Map.Entry<String, TensorData> e : t.entrySet()) {
            String k = e.getKey();
            if (k.startsWith("adam_m.")) {
                String name = k.substring("adam_m.".length());
                opt.restore(name, e.getValue().toFloats(), t.get("adam_v." + name).toFloats(),
                        new Shape(e.getValue().shape()), state.path("optimizer_steps").path(name).asLong());
            } else if (k.startsWith("extra.")) {
                rest.put(k.substring("extra.".length()), e.getValue());
            }
        }
        extra.accept(rest);
        state.path("curve").forEach(curve::add);
        return state.path("step").asInt();
    }

    static void copyInto(NDArray target, TensorData v) {
        boolean grad = target.hasGradient();
        target.setRequiresGradient(false);
        // copied into the parameter's own libtorch storage: NDArray.set(Buffer) would give the parameter
        // a buffer of Java memory instead, which a garbage collection may free while training still uses it
        try (NDArray src = target.getManager().create(v.toFloats(), target.getShape())) {
            target.set(new ai.djl.ndarray.index.NDIndex("..."), src);
        }
        target.setRequiresGradient(grad);
    }

    static void delete(Path dir) {
        try {
            AtomicFiles.deleteRecursively(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
