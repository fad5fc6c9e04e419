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
import io.linforge.core.model.Parameter;
import io.linforge.core.model.TransformerModel;
import io.linforge.core.tensor.TensorData;
import io.linforge.trainer.optim.AdamW;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A training checkpoint next to the output folder ({@code <out>.ckpt}): the trainable parameters,
 * the AdamW moments and step counts, the step reached and the curve so far; written atomically,
 * removed when the run completes. With the data order and dropout seeds derived from the step,
 * resuming from it gives the same final weights as an uninterrupted run.
 */
public final class TrainingCheckpoint {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TrainingCheckpoint() {
    }

    public static Path dirFor(Path out) {
        Path abs = out.toAbsolutePath();
        return abs.resolveSibling(abs.getFileName() + ".ckpt");
    }

    static void save(Path dir, int step, List<Parameter> trainable, AdamW opt, ArrayNode curve) {
        Map<String, TensorData> t = new LinkedHashMap<>();
        ObjectNode state = JSON.createObjectNode();
        state.put("step", step);
        ObjectNode steps = state.putObject("optimizer_steps");
        for (Parameter p : trainable) {
            t.put("param." + p.name(), TransformerModel.toTensorData(p.array()));
            AdamW.State s = opt.state().get(p.name());
            if (s != null) {
                t.put("adam_m." + p.name(), TransformerModel.toTensorData(s.m));
                t.put("adam_v." + p.name(), TransformerModel.toTensorData(s.v));
                steps.put(p.name(), s.step);
            }
        }
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

    /** Loads the checkpoint into the parameters and optimizer; returns the step to continue from (0 when none). */
    static int restore(Path dir, List<Parameter> trainable, AdamW opt, ArrayNode curve) {
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
        Map<String, TensorData> t = Safetensors.readAll(dir.resolve("state.safetensors"));
        for (Parameter p : trainable) {
            TensorData v = t.get("param." + p.name());
            if (v == null) {
                throw LinforgeException.badInput(dir.resolve("state.safetensors"), "param." + p.name(),
                        "missing: the checkpoint belongs to another run configuration");
            }
            copyInto(p.array(), v);
            TensorData m = t.get("adam_m." + p.name());
            if (m != null) {
                opt.restore(p.name(), m.toFloats(), t.get("adam_v." + p.name()).toFloats(),
                        new Shape(m.shape()), state.path("optimizer_steps").path(p.name()).asLong());
            }
        }
        state.path("curve").forEach(curve::add);
        return state.path("step").asInt();
    }

    static void copyInto(NDArray target, TensorData v) {
        boolean grad = target.hasGradient();
        target.setRequiresGradient(false);
        target.set(FloatBuffer.wrap(v.toFloats()));
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
