package io.linforge.runtime;

import io.linforge.core.LinforgeException;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A loaded model that runs batches of integer inputs ({@code input_ids}, {@code attention_mask},
 * ...) and returns fp32 outputs. {@link OrtInferenceSession} runs ONNX files on ONNX Runtime,
 * {@link TensorRtSession} runs serialized TensorRT engines; {@link Sessions#open} picks one by the
 * model file.
 */
public interface InferenceSession extends AutoCloseable {
    List<IoInfo> inputs();

    List<IoInfo> outputs();

    /** The execution providers in use, in priority order (e.g. {@code [cuda]} or {@code [cpu]}). */
    List<Provider> providers();

    /** Engine and version, e.g. "onnxruntime 1.28.0". */
    String engine();

    /**
     * Stops the profile that {@link SessionConfig.Builder#profile} started and returns its file, a
     * Chrome trace of per-node (ONNX Runtime) or per-layer (TensorRT) kernel times that
     * {@code bench.OpProfile} reads; exit 2 for an engine that records none.
     */
    default java.nio.file.Path endProfiling() {
        throw io.linforge.core.LinforgeException.badInput("--profile: " + engine() + " records no per-layer profile");
    }

    /**
     * Whether {@link #runFed} keeps outputs in device memory and feeds them to the next run without a
     * copy through the host (a TensorRT engine); other sessions take every input from the host.
     */
    default boolean feedsOnDevice() {
        return false;
    }

    /**
     * Runs with the inputs named in {@code fed} taken from the outputs of this session's previous
     * run (input → output name) where they are, and copies only {@code wanted} outputs back; see
     * {@link #feedsOnDevice()}.
     */
    default Map<String, FloatTensor> runFed(Map<String, long[][]> given, Map<String, FloatTensor> floats,
            Map<String, String> fed, Set<String> wanted) {
        throw new UnsupportedOperationException(engine() + " takes every input from host memory");
    }

    /** The model's key/value metadata (ONNX {@code metadata_props}); empty when the engine keeps none. */
    default Map<String, String> metadata() {
        return Map.of();
    }

    default boolean hasInput(String name) {
        return inputs().stream().anyMatch(i -> i.name().equals(name));
    }

    default boolean hasOutput(String name) {
        return outputs().stream().anyMatch(i -> i.name().equals(name));
    }

    default IoInfo output(String name) {
        return outputs().stream().filter(i -> i.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no output " + name));
    }

    /** The entries of {@code given} whose names are inputs of the model (the others left out). */
    default <T> Map<String, T> modelInputs(Map<String, T> given) {
        Map<String, T> out = new LinkedHashMap<>();
        given.forEach((k, v) -> {
            if (hasInput(k)) {
                out.put(k, v);
            }
        });
        return out;
    }

    /**
     * Runs one batch. Each input is {@code [batch][seq]}; an input name the model does not have is
     * bad input, and {@code position_ids} is filled in (0..seq-1) when the model wants it and it is
     * not given. Returns the requested outputs (all when {@code outputNames} is empty) as fp32.
     */
    Map<String, FloatTensor> run(Map<String, long[][]> inputs, Set<String> outputNames);

    /**
     * Runs with token inputs and floating inputs (e.g. a decoder's past key/value tensors, given in
     * fp32 and converted to the model's type).
     */
    default Map<String, FloatTensor> run(Map<String, long[][]> inputs, Map<String, FloatTensor> floatInputs,
            Set<String> outputNames) {
        if (!floatInputs.isEmpty()) {
            throw new UnsupportedOperationException(engine() + " sessions take token inputs only");
        }
        return run(inputs, outputNames);
    }

    default Map<String, FloatTensor> run(Map<String, long[][]> inputs) {
        return run(inputs, Set.of());
    }

    /**
     * Runs one batch for timing: every output is computed and reaches host memory, but is not
     * converted to fp32 Java arrays (a conversion that costs more than the model itself for large
     * fp16 outputs on a GPU). {@code floatInputs} as for {@link #run(Map, Map, Set)}. Sessions
     * that cannot skip the conversion simply run.
     */
    default void execute(Map<String, long[][]> inputs, Map<String, FloatTensor> floatInputs) {
        run(inputs, floatInputs, Set.of());
    }

    /**
     * Runs one batch for timing with the outputs left in device memory. Only sessions that own
     * their device buffers can (TensorRT engines); ONNX Runtime's Java API always hands outputs
     * over in host memory, so the others refuse.
     */
    default void executeOnDevice(Map<String, long[][]> inputs, Map<String, FloatTensor> floatInputs) {
        throw LinforgeException.badInput(engine() + " sessions hand every output over in host memory; outputs stay on the "
                + "device only with a TensorRT engine (.plan)");
    }

    /** Exit 2 naming {@code model} and the input when a given input name is none of the model's inputs. */
    static void checkInputNames(Object model, List<IoInfo> inputs, Set<String> given) {
        Set<String> names = new LinkedHashSet<>();
        inputs.forEach(i -> names.add(i.name()));
        for (String g : given) {
            if (!names.contains(g)) {
                throw LinforgeException.badInput(model, "inputs", "input '" + g + "' is given, but the model has no such "
                        + "input (inputs: " + String.join(", ", names) + ")");
            }
        }
    }

    /** A token id narrowed to int32 for a model whose input {@code name} is int32; exit 2 outside that range. */
    static int int32(Object model, String name, long v) {
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw LinforgeException.badInput(model, "inputs", "input '" + name + "' is int32 in the model but holds "
                    + v + ", outside the int32 range");
        }
        return (int) v;
    }

    /**
     * The {@code position_ids} a session fills in when the model wants them and they are not given:
     * 0..seq−1 for every row, shaped like the given token inputs; null when no input is given.
     */
    static long[][] defaultPositions(Map<String, long[][]> given) {
        for (long[][] a : given.values()) {
            int seq = a.length == 0 ? 0 : a[0].length;
            long[][] p = new long[a.length][seq];
            for (long[] row : p) {
                for (int j = 0; j < seq; j++) {
                    row[j] = j;
                }
            }
            return p;
        }
        return null;
    }

    @Override
    void close();
}
