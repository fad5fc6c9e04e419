package io.linforge.runtime;

import io.linforge.core.LinforgeException;
import io.linforge.core.onnx.TensorNames;
import io.linforge.core.tensor.Half;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A serialized TensorRT engine ({@code model.plan}, as {@code linforge export --tensorrt} writes
 * it) run through the TensorRT runtime: deserialized once, then per call the input shapes are set
 * within the engine's optimization profile, the inputs are copied to the GPU, the engine is
 * enqueued on a CUDA stream and the outputs are copied back as fp32.
 *
 * <p>Types follow the engine: token inputs are written as int64 or int32 (TensorRT may have
 * narrowed int64 ids to int32), floating inputs as fp32, fp16 or bf16, and fp16/bf16/integer
 * outputs are converted to float. A shape outside the profile is bad input (exit 2) naming the
 * input. One call runs at a time per session.
 *
 * <p>Opening never touches the CUDA or TensorRT classes unless {@link TensorRtProbe} found them
 * usable; otherwise it fails with exit 2 and the probe's reason.
 */
public final class TensorRtSession implements InferenceSession {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TensorRtSession.class);
    private final Path path;
    private final TensorRtEngine engine;
    private final List<TensorRtEngine.Tensor> inputTensors = new ArrayList<>();
    private final List<TensorRtEngine.Tensor> outputTensors = new ArrayList<>();
    private final List<IoInfo> inputs;
    private final List<IoInfo> outputs;
    private final Set<String> outputNames = new LinkedHashSet<>();
    private Path profilePrefix;
    /** Every output's shape in the last run: the shapes of inputs fed from them ({@link #runFed}). */
    private final Map<String, long[]> lastOutputShapes = new LinkedHashMap<>();

    private TensorRtSession(Path path, TensorRtEngine engine) {
        this.path = path;
        this.engine = engine;
        List<IoInfo> in = new ArrayList<>();
        List<IoInfo> out = new ArrayList<>();
        for (TensorRtEngine.Tensor t : engine.tensors()) {
            IoInfo info = new IoInfo(t.name(), t.type() == TensorType.UNSUPPORTED ? t.trtType() : t.type().id(), dimNames(t.dims()));
            if (t.input()) {
                inputTensors.add(t);
                in.add(info);
            } else {
                outputTensors.add(t);
                out.add(info);
                outputNames.add(t.name());
            }
        }
        this.inputs = List.copyOf(in);
        this.outputs = List.copyOf(out);
    }

    /** Exit 2 with the probe's reason when TensorRT engines cannot run here. */
    public static void requireAvailable(Path plan) {
        String why = TensorRtProbe.unavailableReason();
        if (why != null) {
            throw LinforgeException.badInput(plan, "tensorrt-plan", "cannot run a TensorRT engine here: " + why);
        }
    }

    /** Opens a serialized engine on GPU {@code config.deviceId()}. */
    public static TensorRtSession open(Path plan, SessionConfig config) {
        if (!Files.isRegularFile(plan)) {
            throw LinforgeException.badInput(plan, "file", "missing (a serialized TensorRT engine, e.g. model.plan, is needed)");
        }
        requireAvailable(plan);
        TensorRtEngine e = TensorRtEngine.open(plan, config.deviceId(), TensorRtProbe.version());
        try {
            for (TensorRtEngine.Tensor t : e.tensors()) {
                if (t.type() == TensorType.UNSUPPORTED || (t.input() && !t.type().isTokenType() && !t.type().isFloating())) {
                    throw LinforgeException.badInput(plan, (t.input() ? "input '" : "output '") + t.name() + "'",
                            "has type " + t.trtType() + ", which linforge cannot " + (t.input() ? "feed" : "read")
                                    + " (inputs: int64, int32, fp32, fp16, bf16)");
                }
            }
            e.cudaGraphs(config.cudaGraphs());
            TensorRtSession session = new TensorRtSession(plan, e);
            if (config.profilePrefix() != null) {
                session.profilePrefix = config.profilePrefix();
                e.startProfiling();
            }
            return session;
        } catch (RuntimeException ex) {
            e.close();
            throw ex;
        }
    }

    static List<String> dimNames(long[] dims) {
        List<String> out = new ArrayList<>();
        for (long d : dims) {
            out.add(d < 0 ? "?" : Long.toString(d));
        }
        return List.copyOf(out);
    }

    public Path path() {
        return path;
    }

    /** The shapes each input accepts (the engine's optimization profile). */
    public Map<String, String> profile() {
        Map<String, String> out = new LinkedHashMap<>();
        for (TensorRtEngine.Tensor t : inputTensors) {
            out.put(t.name(), t.range().toString());
        }
        return out;
    }

    @Override
    public List<IoInfo> inputs() {
        return inputs;
    }

    @Override
    public List<IoInfo> outputs() {
        return outputs;
    }

    @Override
    public List<Provider> providers() {
        return List.of(Provider.TENSORRT_PLAN);
    }

    @Override
    public String engine() {
        return "tensorrt " + engine.version();
    }

    @Override
    public Map<String, FloatTensor> run(Map<String, long[][]> given, Set<String> wanted) {
        return run(given, Map.of(), wanted);
    }

    @Override
    public synchronized Map<String, FloatTensor> run(Map<String, long[][]> given, Map<String, FloatTensor> floats,
            Set<String> wanted) {
        return runFed(given, floats, Map.of(), wanted.isEmpty() ? outputNames : wanted);
    }

    @Override
    public boolean feedsOnDevice() {
        return true;
    }

    /**
     * Runs with the inputs in {@code fed} (input → output) taken from the previous run's outputs in
     * GPU memory: the buffers are swapped, nothing goes through the host, so a decoder's key/value
     * cache ({@code past_key_values.N.*} ← {@code present.N.*}) stays on the GPU between steps.
     * Only the {@code wanted} outputs come back (as fp32).
     */
    @Override
    public synchronized Map<String, FloatTensor> runFed(Map<String, long[][]> given, Map<String, FloatTensor> floats,
            Map<String, String> fed, Set<String> wanted) {
        for (Map.Entry<String, String> f : fed.entrySet()) {
            if (inputTensors.stream().noneMatch(t -> t.name().equals(f.getKey())) || !outputNames.contains(f.getValue())) {
                throw new IllegalArgumentException(path + ": cannot feed input '" + f.getKey() + "' from output '"
                        + f.getValue() + "'");
            }
        }
        for (String w : wanted) {
            if (!outputNames.contains(w)) {
                throw LinforgeException.badInput(path, "outputs", "no output '" + w + "' (outputs: " + outputNames + ")");
            }
        }
        Map<String, long[]> outShapes = new LinkedHashMap<>();
        Map<String, ByteBuffer> raw = runRaw(given, floats, fed, wanted, outShapes);
        Map<String, FloatTensor> out = new LinkedHashMap<>();
        for (TensorRtEngine.Tensor t : outputTensors) {
            ByteBuffer b = raw.get(t.name());
            if (b != null) {
                long[] shape = outShapes.get(t.name());
                out.put(t.name(), new FloatTensor(shape, decode(b, t.type(), Math.toIntExact(elements(shape)))));
            }
        }
        return out;
    }

    /**
     * Runs for timing: every output is copied back into pinned host memory, where it stays
     * without being converted into Java arrays.
     */
    @Override
    public synchronized void execute(Map<String, long[][]> given, Map<String, FloatTensor> floats) {
        runRaw(given, floats, outputNames, new LinkedHashMap<>());
    }

    /** Runs for timing with the outputs left in device memory (nothing is copied back). */
    @Override
    public synchronized void executeOnDevice(Map<String, long[][]> given, Map<String, FloatTensor> floats) {
        runRaw(given, floats, Set.of(), new LinkedHashMap<>());
    }

    /**
     * Stages the inputs, runs, and copies the outputs in {@code want} back; returns views of their
     * host buffers (valid until the next call) and fills {@code outShapes} with every output's shape.
     */
    private Map<String, ByteBuffer> runRaw(Map<String, long[][]> given, Map<String, FloatTensor> floats, Set<String> want,
            Map<String, long[]> outShapes) {
        return runRaw(given, floats, Map.of(), want, outShapes);
    }

    /** As above; the inputs in {@code fed} take the previous run's outputs in device memory (see {@link #runFed}). */
    private Map<String, ByteBuffer> runRaw(Map<String, long[][]> given, Map<String, FloatTensor> floats, Map<String, String> fed,
            Set<String> want, Map<String, long[]> outShapes) {
        engine.errors(); // errors of earlier calls do not explain this one
        List<IoInfo> inputs = inputs();
        InferenceSession.checkInputNames(path, inputs, given.keySet());
        InferenceSession.checkInputNames(path, inputs, floats.keySet());
        // Shapes first: every input's shape must lie within the profile before any is set.
        Map<TensorRtEngine.Tensor, Object> values = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (TensorRtEngine.Tensor t : inputTensors) {
            FloatTensor f = floats.get(t.name());
            Object v;
            long[] shape;
            String from = fed.get(t.name());
            if (from != null) {
                long[] prev = lastOutputShapes.get(from);
                if (prev == null) {
                    throw new IllegalStateException(path + ": input '" + t.name() + "' is fed from output '" + from
                            + "', which no earlier run produced");
                }
                shape = prev;
                t.range().check(path, shape);
                shapes.put(t.name(), shape);
                continue;
            }
            if (f != null) {
                if (f.data().length != elements(f.shape())) {
                    throw new IllegalArgumentException("input " + t.name() + ": " + f.data().length + " values for shape "
                            + java.util.Arrays.toString(f.shape()));
                }
                v = f;
                shape = f.shape();
            } else {
                long[][] ids = given.get(t.name());
                if (ids == null && t.name().equals(TensorNames.POSITION_IDS)) {
                    ids = InferenceSession.defaultPositions(given);
                }
                if (ids == null) {
                    throw LinforgeException.badInput(path, "inputs", "the engine needs input '" + t.name() + "' "
                            + t.type().id() + dimNames(t.dims()) + " which is not provided (given: " + given.keySet() + ")");
                }
                v = ids;
                shape = new long[] {ids.length, ids.length == 0 ? 0 : ids[0].length};
            }
            t.range().check(path, shape);
            values.put(t, v);
            shapes.put(t.name(), shape);
        }
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            if (!engine.setInputShape(e.getKey(), e.getValue())) {
                throw LinforgeException.badInput(path, "input '" + e.getKey() + "'", "TensorRT rejects shape "
                        + java.util.Arrays.toString(e.getValue()) + ": " + engine.errors());
            }
        }
        for (Map.Entry<TensorRtEngine.Tensor, Object> e : values.entrySet()) {
            TensorRtEngine.Tensor t = e.getKey();
            long n = elements(shapes.get(t.name()));
            ByteBuffer dst = engine.stage(t.name(), n * t.type().bytes());
            if (e.getValue() instanceof FloatTensor f) {
                if (!t.type().isFloating()) {
                    throw LinforgeException.badInput(path, "inputs", "input '" + t.name() + "' has type " + t.type().id()
                            + "; floating inputs must be float32, float16 or bfloat16");
                }
                encodeFloats(f.data(), t.type(), dst);
            } else {
                if (!t.type().isTokenType()) {
                    throw LinforgeException.badInput(path, "inputs", "input '" + t.name() + "' has type " + t.type().id()
                            + "; token inputs must be int64 or int32");
                }
                encodeTokens(path, t.name(), (long[][]) e.getValue(), t.type(), dst);
            }
        }
        Map<String, Long> outBytes = new LinkedHashMap<>();
        for (TensorRtEngine.Tensor t : outputTensors) {
            long[] shape = engine.shape(t.name());
            for (long d : shape) {
                if (d < 0) {
                    throw new LinforgeException(LinforgeException.FAILURE, path + ": output '" + t.name() + "' has shape "
                            + java.util.Arrays.toString(shape) + " after the input shapes are set; outputs whose size "
                            + "depends on the data are not supported");
                }
            }
            outShapes.put(t.name(), shape);
            outBytes.put(t.name(), elements(shape) * t.type().bytes());
        }
        Map<String, ByteBuffer> out = engine.execute(outBytes, want, fed);
        lastOutputShapes.clear();
        lastOutputShapes.putAll(outShapes);
        return out;
    }

    static long elements(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /**
     * Writes token ids row by row into {@code dst} as int64, or as int32 when the engine narrowed
     * the input (ids outside the int32 range are bad input).
     */
    static void encodeTokens(Path plan, String name, long[][] values, TensorType type, ByteBuffer dst) {
        int s = values.length == 0 ? 0 : values[0].length;
        for (long[] row : values) {
            if (row.length != s) {
                throw LinforgeException.badInput(plan, "inputs", "input '" + name + "' has rows of different lengths ("
                        + s + " and " + row.length + ")");
            }
            for (long v : row) {
                if (type == TensorType.INT64) {
                    dst.putLong(v);
                } else if (type == TensorType.INT32) {
                    dst.putInt(InferenceSession.int32(plan, name, v));
                } else {
                    throw new IllegalArgumentException("token inputs are int64 or int32, not " + type.id());
                }
            }
        }
        dst.flip();
    }

    /** Writes fp32 values into {@code dst} as float32, float16 or bfloat16 (round to nearest even). */
    static void encodeFloats(float[] values, TensorType type, ByteBuffer dst) {
        for (float v : values) {
            switch (type) {
                case FLOAT32 -> dst.putFloat(v);
                case FLOAT16 -> dst.putShort(Half.fromFloat(v));
                case BFLOAT16 -> dst.putShort(toBf16(v));
                default -> throw new IllegalArgumentException("floating inputs are float32, float16 or bfloat16, not " + type.id());
            }
        }
        dst.flip();
    }

    /** Reads {@code n} elements of {@code type} from {@code src} (from its position) as floats. */
    static float[] decode(ByteBuffer src, TensorType type, int n) {
        float[] out = new float[n];
        ByteBuffer b = src.duplicate().order(src.order());
        for (int i = 0; i < n; i++) {
            out[i] = switch (type) {
                case FLOAT32 -> b.getFloat();
                case FLOAT16 -> Half.toFloat(b.getShort());
                case BFLOAT16 -> Float.intBitsToFloat((b.getShort() & 0xffff) << 16);
                case INT64 -> b.getLong();
                case INT32 -> b.getInt();
                case INT8 -> b.get();
                case UINT8 -> b.get() & 0xff;
                case BOOL -> b.get() != 0 ? 1f : 0f;
                case UNSUPPORTED -> throw new IllegalArgumentException("unsupported output type");
            };
        }
        return out;
    }

    /** fp32 to bfloat16 bits, rounding to nearest even (NaN stays NaN). */
    static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounded = bits + 0x7fff + ((bits >>> 16) & 1);
        return (short) (rounded >>> 16);
    }

    /**
     * Stops the per-layer profile of a session opened with {@link SessionConfig.Builder#profile}
     * and writes it as {@code <prefix>_tensorrt.json}, a Chrome trace in the form of ONNX Runtime's
     * profiles (a {@code model_run} event per run, a {@code <layer>_kernel_time} event per layer
     * with the layer as its {@code op_name}), so {@code bench.OpProfile} reads either; TensorRT's
     * description of the layers (types, formats, kernels) goes to {@code <prefix>_layers.json}.
     * Returns the trace.
     */
    @Override
    public synchronized Path endProfiling() {
        if (profilePrefix == null) {
            throw new IllegalStateException(path + ": opened without a profile");
        }
        Map<String, List<Double>> times = engine.endProfiling();
        Path trace = Path.of(profilePrefix + "_tensorrt.json");
        Path layers = Path.of(profilePrefix + "_layers.json");
        writeLayerTrace(times, trace);
        try {
            io.linforge.core.io.AtomicFiles.writeString(layers, engine.layerInformation());
        } catch (java.io.IOException e) {
            throw LinforgeException.badInput(layers, "profile", "cannot write: " + e.getMessage());
        }
        profilePrefix = null;
        return trace;
    }

    /** Per-layer times (ms of each run, per layer in engine order) as a Chrome trace; see {@link #endProfiling()}. */
    static void writeLayerTrace(Map<String, List<Double>> times, Path trace) {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        var events = json.createArrayNode();
        int runs = times.values().stream().mapToInt(List::size).max().orElse(0);
        double ts = 0;
        for (int r = 0; r < runs; r++) {
            double start = ts;
            for (var e : times.entrySet()) {
                if (r >= e.getValue().size()) {
                    continue;
                }
                double us = e.getValue().get(r) * 1000.0;
                var ev = events.addObject();
                ev.put("cat", "Node");
                ev.put("name", e.getKey() + "_kernel_time");
                ev.put("ts", ts);
                ev.put("dur", us);
                ev.putObject("args").put("op_name", e.getKey());
                ts += us;
            }
            var run = events.addObject();
            run.put("cat", "Session");
            run.put("name", "model_run");
            run.put("ts", start);
            run.put("dur", ts - start);
        }
        try {
            io.linforge.core.io.AtomicFiles.writeString(trace, json.writerWithDefaultPrettyPrinter().writeValueAsString(events));
        } catch (java.io.IOException e) {
            throw LinforgeException.badInput(trace, "profile", "cannot write: " + e.getMessage());
        }
    }

    /** Runs replayed from a CUDA graph since the session was opened (see {@link SessionConfig#cudaGraphs()}). */
    public synchronized long cudaGraphReplays() {
        return engine.graphStats()[0];
    }

    @Override
    public synchronized void close() {
        long[] g = engine.graphStats();
        if (g[1] > 0) {
            LOG.info("{}: {} run(s) replayed from {} CUDA graph capture(s)", path, g[0], g[1]);
        }
        engine.close();
    }
}
