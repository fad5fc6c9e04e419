package io.linforge.runtime;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.ValueInfo;
import ai.onnxruntime.providers.OrtCUDAProviderOptions;
import ai.onnxruntime.providers.OrtTensorRTProviderOptions;
import io.linforge.core.LinforgeException;
import io.linforge.core.onnx.TensorNames;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * An ONNX file on ONNX Runtime. Providers are added in the configured priority order; when a GPU
 * provider is requested without {@code cpu} in the list, a model whose computing nodes ONNX
 * Runtime would place on the CPU is refused instead of silently running there (shape arithmetic
 * on integer tensors, which ONNX Runtime keeps on the CPU by design, is allowed).
 */
public final class OrtInferenceSession implements InferenceSession {
    private final Path path;
    private final OrtEnvironment env;
    private final OrtSession session;
    private final List<Provider> providers;
    private final List<IoInfo> inputs;
    private final List<IoInfo> outputs;
    private final Map<String, OnnxJavaType> inputTypes = new LinkedHashMap<>();
    private final Map<String, String> metadata;

    private OrtInferenceSession(Path path, OrtEnvironment env, OrtSession session, List<Provider> providers)
            throws OrtException {
        this.path = path;
        this.env = env;
        this.session = session;
        this.providers = List.copyOf(providers);
        this.inputs = describe(session.getInputInfo());
        this.outputs = describe(session.getOutputInfo());
        this.metadata = Map.copyOf(session.getMetadata().getCustomMetadata());
        for (NodeInfo n : session.getInputInfo().values()) {
            if (n.getInfo() instanceof TensorInfo t) {
                inputTypes.put(n.getName(), t.type);
            }
        }
    }

    @Override
    public Map<String, String> metadata() {
        return metadata;
    }

    /** The ONNX Runtime version of the loaded native library. */
    public static String ortVersion() {
        return OrtEnvironment.getEnvironment().getVersion();
    }

    /** Providers this ONNX Runtime build offers, as linforge names (others omitted). */
    public static List<Provider> availableProviders() {
        EnumSet<OrtProvider> av = OrtEnvironment.getAvailableProviders();
        List<Provider> out = new ArrayList<>();
        for (Provider p : Provider.values()) {
            if (p.isOrt() && av.contains(ortProvider(p))) {
                out.add(p);
            }
        }
        return out;
    }

    private static OrtProvider ortProvider(Provider p) {
        return switch (p) {
            case CPU -> OrtProvider.CPU;
            case CUDA -> OrtProvider.CUDA;
            case TENSORRT -> OrtProvider.TENSOR_RT;
            case TENSORRT_PLAN -> throw new IllegalArgumentException("tensorrt-plan is not an ONNX Runtime provider");
        };
    }

    /** Opens {@code model} (an .onnx file; external data is read from its folder). */
    public static OrtInferenceSession open(Path model, SessionConfig config) {
        if (!Files.isRegularFile(model)) {
            throw LinforgeException.badInput(model, "file", "missing (an ONNX model file is needed)");
        }
        List<Provider> requested = config.providers();
        if (requested.contains(Provider.TENSORRT_PLAN)) {
            throw Sessions.planProviderOnOnnx(model);
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        List<Provider> available = availableProviders();
        for (Provider p : requested) {
            if (!available.contains(p)) {
                throw new LinforgeException(LinforgeException.BAD_INPUT, "provider '" + p + "' is not available in this "
                        + "ONNX Runtime build (" + ortVersion() + ", available: " + joined(available) + "); a GPU build of "
                        + "ONNX Runtime and its CUDA libraries are needed; no CPU fallback is made");
            }
        }
        boolean gpu = requested.stream().anyMatch(Provider::isGpu);
        boolean cpuAllowed = requested.contains(Provider.CPU);
        if (gpu && !cpuAllowed) {
            checkPlacement(model, config);
        }
        return create(model, config, env, gpu);
    }

    /**
     * A GPU provider without {@code cpu}: ONNX Runtime still places shape arithmetic (Shape,
     * Gather, Concat, ... on small integer tensors) on the CPU, which is how it is meant to run, but
     * nothing that computes may leave the GPU. A probe session (CPU fallback allowed, profiling on)
     * runs one small batch; every node its profile shows on the CPU must produce integer or boolean
     * tensors only, else the model is refused, naming the nodes.
     */
    private static void checkPlacement(Path model, SessionConfig config) {
        Path dir;
        try {
            dir = Files.createTempDirectory("linforge-placement");
        } catch (java.io.IOException e) {
            throw new LinforgeException(LinforgeException.FAILURE, "cannot create a temporary folder: " + e.getMessage(), e);
        }
        try {
            Path profile;
            try (OrtInferenceSession probe = create(model, config.toBuilder().profile(dir.resolve("placement")).build(),
                    OrtEnvironment.getEnvironment(), true)) {
                probe.execute(probe.probeInputs(), Generator.emptyCache(probe, 1));
                profile = probe.endProfiling();
            }
            List<String> cpu = Placement.computeNodesOnCpu(profile);
            if (!cpu.isEmpty()) {
                throw new LinforgeException(LinforgeException.FAILURE, model + ": ONNX Runtime places " + cpu.size()
                        + " computing node(s) on the CPU, not on " + joined(config.providers()) + ": "
                        + String.join(", ", cpu.subList(0, Math.min(5, cpu.size()))) + (cpu.size() > 5 ? ", ..." : "")
                        + " (list cpu last, e.g. --provider cuda,cpu, to allow it)");
            }
        } finally {
            try {
                io.linforge.core.io.AtomicFiles.deleteRecursively(dir);
            } catch (java.io.IOException e) {
                // a leftover profile in the temporary folder is harmless
            }
        }
    }

    /** One row of four tokens (id 0, full mask) for every token input: a batch any export accepts. */
    private Map<String, long[][]> probeInputs() {
        Map<String, long[][]> in = new LinkedHashMap<>();
        for (IoInfo i : inputs) {
            if (!TensorNames.isPast(i.name())) {
                in.put(i.name(), new long[][] {i.name().equals(TensorNames.ATTENTION_MASK) ? new long[] {1, 1, 1, 1} : new long[4]});
            }
        }
        return in;
    }

    /**
     * Creates the session; {@code gpu}: a GPU provider is requested (without {@code cpu} in the
     * list, shape arithmetic may still run on the CPU: {@link #checkPlacement} has checked that
     * nothing else does).
     */
    private static OrtInferenceSession create(Path model, SessionConfig config, OrtEnvironment env, boolean gpu) {
        List<Provider> requested = config.providers();
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setOptimizationLevel(switch (config.optLevel()) {
                case NONE -> OrtSession.SessionOptions.OptLevel.NO_OPT;
                case BASIC -> OrtSession.SessionOptions.OptLevel.BASIC_OPT;
                case EXTENDED -> OrtSession.SessionOptions.OptLevel.EXTENDED_OPT;
                case ALL -> OrtSession.SessionOptions.OptLevel.ALL_OPT;
            });
            if (config.intraOpThreads() > 0) {
                so.setIntraOpNumThreads(config.intraOpThreads());
            }
            if (config.profilePrefix() != null) {
                so.enableProfiling(config.profilePrefix().toString());
            }
            for (Provider p : requested) {
                addProvider(so, p, config);
            }
            OrtSession s;
            try {
                s = env.createSession(model.toString(), so);
            } catch (OrtException e) {
                if (gpu) {
                    throw new LinforgeException(LinforgeException.FAILURE, model + ": cannot create a session on "
                            + joined(requested) + ": " + firstLine(e), e);
                }
                throw LinforgeException.badInput(model, "model", "ONNX Runtime cannot load it: " + firstLine(e));
            }
            List<Provider> used = new ArrayList<>(requested);
            try {
                return new OrtInferenceSession(model, env, s, used);
            } catch (OrtException | RuntimeException e) {
                closeQuietly(s);
                throw new LinforgeException(LinforgeException.FAILURE, model + ": cannot read inputs/outputs: "
                        + firstLine(e), e);
            }
        } catch (OrtException e) {
            throw new LinforgeException(LinforgeException.FAILURE, model + ": session options: " + firstLine(e), e);
        }
    }

    private static void addProvider(OrtSession.SessionOptions so, Provider p, SessionConfig config) {
        try {
            switch (p) {
                case CPU -> {
                    // Always registered by ONNX Runtime; nothing to add.
                }
                case CUDA -> {
                    OrtCUDAProviderOptions o = new OrtCUDAProviderOptions(config.deviceId());
                    for (Map.Entry<String, String> e : config.cudaOptions().entrySet()) {
                        o.add(e.getKey(), e.getValue());
                    }
                    so.addCUDA(o);
                }
                case TENSORRT_PLAN -> throw new IllegalArgumentException("tensorrt-plan is not an ONNX Runtime provider");
                case TENSORRT -> {
                    OrtTensorRTProviderOptions o = new OrtTensorRTProviderOptions(config.deviceId());
                    for (Map.Entry<String, String> e : config.tensorrtOptions().entrySet()) {
                        o.add(e.getKey(), e.getValue());
                    }
                    so.addTensorrt(o);
                }
            }
        } catch (OrtException | LinkageError | RuntimeException e) {
            throw new LinforgeException(LinforgeException.FAILURE, "provider '" + p + "' (device " + config.deviceId()
                    + ") cannot be used: " + firstLine(e) + "; no CPU fallback is made", e);
        }
    }

    private static List<IoInfo> describe(Map<String, NodeInfo> infos) {
        List<IoInfo> out = new ArrayList<>();
        for (NodeInfo n : infos.values()) {
            ValueInfo v = n.getInfo();
            if (v instanceof TensorInfo t) {
                long[] shape = t.getShape();
                String[] names = t.getDimensionNames();
                List<String> dims = new ArrayList<>();
                for (int i = 0; i < shape.length; i++) {
                    if (shape[i] >= 0) {
                        dims.add(Long.toString(shape[i]));
                    } else {
                        dims.add(names != null && i < names.length && !names[i].isEmpty() ? names[i] : "?");
                    }
                }
                out.add(new IoInfo(n.getName(), dtypeName(t.type), List.copyOf(dims)));
            } else {
                out.add(new IoInfo(n.getName(), v.getClass().getSimpleName(), List.of()));
            }
        }
        return List.copyOf(out);
    }

    static String dtypeName(OnnxJavaType t) {
        return switch (t) {
            case FLOAT -> "float32";
            case DOUBLE -> "float64";
            case FLOAT16 -> "float16";
            case BFLOAT16 -> "bfloat16";
            default -> t.name().toLowerCase(Locale.ROOT);
        };
    }

    public Path path() {
        return path;
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
        return providers;
    }

    @Override
    public String engine() {
        return "onnxruntime " + ortVersion();
    }

    @Override
    public Map<String, FloatTensor> run(Map<String, long[][]> given, Set<String> outputNames) {
        return run(given, Map.of(), outputNames);
    }

    @Override
    public Map<String, FloatTensor> run(Map<String, long[][]> given, Map<String, FloatTensor> floats,
            Set<String> outputNames) {
        Map<String, OnnxTensor> feed = new LinkedHashMap<>();
        try {
            feed(given, floats, feed);
            Set<String> wanted = outputNames.isEmpty() ? session.getOutputNames() : outputNames;
            Map<String, FloatTensor> out = new LinkedHashMap<>();
            try (OrtSession.Result r = session.run(feed, wanted)) {
                for (Map.Entry<String, OnnxValue> e : r) {
                    out.put(e.getKey(), toFloat(e.getKey(), e.getValue()));
                }
            }
            return out;
        } catch (OrtException e) {
            throw new LinforgeException(LinforgeException.FAILURE, path + ": inference failed: " + firstLine(e), e);
        } finally {
            for (OnnxTensor t : feed.values()) {
                t.close();
            }
        }
    }

    /**
     * Runs for timing: ONNX Runtime computes every output and hands it over in host memory, where
     * it is released without being converted into Java arrays.
     */
    @Override
    public void execute(Map<String, long[][]> given, Map<String, FloatTensor> floats) {
        Map<String, OnnxTensor> feed = new LinkedHashMap<>();
        try {
            feed(given, floats, feed);
            session.run(feed).close();
        } catch (OrtException e) {
            throw new LinforgeException(LinforgeException.FAILURE, path + ": inference failed: " + firstLine(e), e);
        } finally {
            for (OnnxTensor t : feed.values()) {
                t.close();
            }
        }
    }

    /** Fills {@code feed} with one tensor per model input (the caller closes them, also on failure). */
    private void feed(Map<String, long[][]> given, Map<String, FloatTensor> floats, Map<String, OnnxTensor> feed)
            throws OrtException {
        InferenceSession.checkInputNames(path, inputs, given.keySet());
        InferenceSession.checkInputNames(path, inputs, floats.keySet());
        for (IoInfo in : inputs) {
            FloatTensor f = floats.get(in.name());
            if (f != null) {
                feed.put(in.name(), floatTensor(in.name(), f));
                continue;
            }
            long[][] values = given.get(in.name());
            if (values == null && in.name().equals(TensorNames.POSITION_IDS)) {
                values = InferenceSession.defaultPositions(given);
            }
            if (values == null) {
                throw LinforgeException.badInput(path, "inputs", "the model needs input '" + in.name() + "' "
                        + in.dtype() + in.dims() + " which is not provided (given: " + given.keySet() + ")");
            }
            feed.put(in.name(), tensor(in.name(), values));
        }
    }

    private OnnxTensor floatTensor(String name, FloatTensor f) throws OrtException {
        OnnxJavaType type = inputTypes.getOrDefault(name, OnnxJavaType.FLOAT);
        if (type == OnnxJavaType.FLOAT16) {
            java.nio.ShortBuffer buf = ByteBuffer.allocateDirect(f.data().length * 2).order(ByteOrder.nativeOrder())
                    .asShortBuffer();
            for (float v : f.data()) {
                buf.put(io.linforge.core.tensor.Half.fromFloat(v));
            }
            buf.rewind();
            return OnnxTensor.createTensor(env, buf, f.shape(), OnnxJavaType.FLOAT16);
        }
        if (type != OnnxJavaType.FLOAT) {
            throw LinforgeException.badInput(path, "inputs", "input '" + name + "' has type " + dtypeName(type)
                    + "; floating inputs must be float or float16");
        }
        java.nio.FloatBuffer buf = ByteBuffer.allocateDirect(f.data().length * 4).order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        buf.put(f.data()).rewind();
        return OnnxTensor.createTensor(env, buf, f.shape());
    }

    private OnnxTensor tensor(String name, long[][] values) throws OrtException {
        int b = values.length;
        int s = b == 0 ? 0 : values[0].length;
        long[] shape = {b, s};
        OnnxJavaType type = inputTypes.getOrDefault(name, OnnxJavaType.INT64);
        if (type == OnnxJavaType.INT32) {
            IntBuffer buf = ByteBuffer.allocateDirect(b * s * 4).order(ByteOrder.nativeOrder()).asIntBuffer();
            for (long[] row : values) {
                if (row.length != s) {
                    throw new IllegalArgumentException("ragged input " + name);
                }
                for (long v : row) {
                    buf.put(InferenceSession.int32(path, name, v));
                }
            }
            buf.rewind();
            return OnnxTensor.createTensor(env, buf, shape);
        }
        if (type != OnnxJavaType.INT64) {
            throw LinforgeException.badInput(path, "inputs", "input '" + name + "' has type " + dtypeName(type)
                    + "; only int64/int32 token inputs are supported");
        }
        LongBuffer buf = ByteBuffer.allocateDirect(b * s * 8).order(ByteOrder.nativeOrder()).asLongBuffer();
        for (long[] row : values) {
            if (row.length != s) {
                throw new IllegalArgumentException("ragged input " + name);
            }
            buf.put(row);
        }
        buf.rewind();
        return OnnxTensor.createTensor(env, buf, shape);
    }

    private FloatTensor toFloat(String name, OnnxValue v) {
        if (!(v instanceof OnnxTensor t)) {
            throw new LinforgeException(LinforgeException.FAILURE, path + ": output '" + name + "' is not a tensor");
        }
        TensorInfo info = t.getInfo();
        long[] shape = info.getShape();
        int n = Math.toIntExact(info.getNumElements());
        float[] data = new float[n];
        switch (info.type) {
            case FLOAT, FLOAT16, BFLOAT16 -> {
                FloatBuffer fb = t.getFloatBuffer();
                fb.get(data);
            }
            case DOUBLE -> {
                DoubleBuffer db = t.getDoubleBuffer();
                for (int i = 0; i < n; i++) {
                    data[i] = (float) db.get(i);
                }
            }
            case INT64 -> {
                LongBuffer lb = t.getLongBuffer();
                for (int i = 0; i < n; i++) {
                    data[i] = lb.get(i);
                }
            }
            case INT32 -> {
                IntBuffer ib = t.getIntBuffer();
                for (int i = 0; i < n; i++) {
                    data[i] = ib.get(i);
                }
            }
            default -> throw new LinforgeException(LinforgeException.FAILURE, path + ": output '" + name
                    + "' has unsupported type " + info.type);
        }
        return new FloatTensor(shape, data);
    }

    @Override
    public void close() {
        closeQuietly(session);
    }

    /** Stops profiling (opened with {@link SessionConfig.Builder#profile}) and returns the profile file. */
    @Override
    public Path endProfiling() {
        try {
            return Path.of(session.endProfiling());
        } catch (OrtException e) {
            throw new LinforgeException(LinforgeException.FAILURE, path + ": cannot end profiling: " + firstLine(e), e);
        }
    }

    private static void closeQuietly(OrtSession s) {
        try {
            s.close();
        } catch (OrtException e) {
            // closing a session only fails when it was already closed
        }
    }

    static String joined(List<Provider> ps) {
        return ps.stream().map(Provider::id).collect(Collectors.joining(","));
    }

    static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
