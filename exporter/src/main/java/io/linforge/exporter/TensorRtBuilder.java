package io.linforge.exporter;

import io.linforge.core.LinforgeException;
import io.linforge.core.io.AtomicFiles;
import io.linforge.core.onnx.proto.Onnx;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.tensorrt.global.nvinfer;
import org.bytedeco.tensorrt.global.nvonnxparser;
import org.bytedeco.tensorrt.nvinfer.Dims32;
import org.bytedeco.tensorrt.nvinfer.IBuilder;
import org.bytedeco.tensorrt.nvinfer.IBuilderConfig;
import org.bytedeco.tensorrt.nvinfer.IHostMemory;
import org.bytedeco.tensorrt.nvinfer.ILogger;
import org.bytedeco.tensorrt.nvinfer.INetworkDefinition;
import org.bytedeco.tensorrt.nvinfer.IOptimizationProfile;
import org.bytedeco.tensorrt.nvonnxparser.IParser;

/**
 * TensorRT 11 engines through the bytedeco presets: parses an exported ONNX graph into a
 * network and builds a serialized engine ({@code model.plan}) with one optimization profile
 * derived from the graph's dynamic axes. TensorRT 11 networks are strongly typed, so the
 * precision is the ONNX graph's (export with {@code --fp16} for an fp16 engine).
 *
 * <p>The CUDA/TensorRT classes fail for the whole JVM once they fail to load, so availability is
 * probed once, and never touched again after a failure.
 */
public final class TensorRtBuilder {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TensorRtBuilder.class);

    /** min / opt / max of each symbolic dimension. */
    public static final Map<String, long[]> DEFAULT_RANGES = Map.of(
            "batch", new long[] {1, 8, 32},
            "sequence", new long[] {1, 128, 512},
            "past_sequence", new long[] {0, 128, 512},
            "total_sequence", new long[] {1, 256, 1024});

    /** What parsing found. */
    public record ParseReport(boolean ok, int layers, List<String> inputs, List<String> errors) {
    }

    /** A built engine: its file and size, what parsing found, the precision built for and the build time. */
    public record Result(Path plan, long bytes, ParseReport parse, String precision, double seconds) {
    }

    /** {@code createNetworkV2}'s flags: explicit batch (the only mode of ONNX networks); read only once TensorRT is loaded. */
    private static int explicitBatch() {
        return 1 << nvinfer.NetworkDefinitionCreationFlag.kEXPLICIT_BATCH.value;
    }

    /** The engine could not be built; carries what parsing found. */
    public static final class BuildFailed extends LinforgeException {
        private final transient ParseReport parse;

        BuildFailed(String message, ParseReport parse) {
            super(FAILURE, message);
            this.parse = parse;
        }

        public ParseReport parse() {
            return parse;
        }
    }

    private static String unavailable;
    private static boolean probed;

    private TensorRtBuilder() {
    }

    /** Null when TensorRT can be used here, else the reason. */
    public static synchronized String unavailableReason() {
        if (!probed) {
            probed = true;
            unavailable = probe();
        }
        return unavailable;
    }

    private static String probe() {
        boolean driver = Files.exists(Path.of("/proc/driver/nvidia/version"));
        if (!driver) {
            for (String d : new String[] {"/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/local/nvidia/lib64",
                "/usr/lib"}) {
                driver |= Files.exists(Path.of(d, "libcuda.so.1"));
            }
        }
        if (!driver) {
            return "no NVIDIA driver on this machine (no /proc/driver/nvidia, no libcuda.so.1); TensorRT engines are built on an NVIDIA GPU";
        }
        try {
            Loader.load(nvinfer.class);
            Loader.load(nvonnxparser.class);
            int v = nvinfer.getInferLibVersion();
            return v > 0 ? null : "TensorRT reports version " + v;
        } catch (Throwable t) {
            return "TensorRT natives could not be loaded (build with -Ptensorrt and run on a CUDA 13 host): " + t;
        }
    }

    public static void requireAvailable() {
        String why = unavailableReason();
        if (why != null) {
            throw new LinforgeException(LinforgeException.BAD_INPUT, "--tensorrt: " + why);
        }
    }

    /** Routes TensorRT's messages to stderr and keeps the errors. */
    static final class Log extends ILogger {
        final List<String> errors = new ArrayList<>();

        @Override
        public void log(Severity severity, String msg) {
            if (severity.value <= Severity.kERROR.value) {
                errors.add(msg);
            }
            if (severity.value <= Severity.kERROR.value) {
                LOG.error("tensorrt [{}] {}", severity, msg);
            } else if (severity.value <= Severity.kWARNING.value) {
                LOG.warn("tensorrt [{}] {}", severity, msg);
            } else {
                LOG.debug("tensorrt [{}] {}", severity, msg);
            }
        }
    }

    /** The symbolic dimensions of every graph input (by input name), and whether the weights are fp16. */
    record GraphInfo(Map<String, List<Object>> inputs, boolean fp16) {
    }

    static GraphInfo graphInfo(Path onnx) throws IOException {
        Onnx.ModelProto m;
        try (InputStream in = Files.newInputStream(onnx)) {
            m = Onnx.ModelProto.parseFrom(in);
        }
        Map<String, List<Object>> out = new LinkedHashMap<>();
        java.util.Set<String> inits = new java.util.HashSet<>();
        boolean fp16 = false;
        for (Onnx.TensorProto t : m.getGraph().getInitializerList()) {
            inits.add(t.getName());
            fp16 |= t.getDataType() == Onnx.TensorProto.DataType.FLOAT16_VALUE;
        }
        for (Onnx.ValueInfoProto v : m.getGraph().getInputList()) {
            if (inits.contains(v.getName())) {
                continue;
            }
            List<Object> dims = new ArrayList<>();
            for (Onnx.TensorShapeProto.Dimension d : v.getType().getTensorType().getShape().getDimList()) {
                dims.add(d.hasDimParam() ? d.getDimParam() : (Object) d.getDimValue());
            }
            out.put(v.getName(), dims);
        }
        return new GraphInfo(out, fp16);
    }

    /** The range of symbolic dimension {@code dim} of {@code input}: refused when the options do not give one. */
    static long[] range(Options options, String input, String dim) {
        long[] r = options.ranges().get(dim);
        if (r == null) {
            throw LinforgeException.badInput("TensorRT profile: input '" + input + "' has dimension '" + dim
                    + "', for which no range is given (known: " + new java.util.TreeSet<>(options.ranges().keySet()) + ")");
        }
        return r;
    }

    static Dims32 dims(long... d) {
        Dims32 x = new Dims32();
        x.nbDims(d.length);
        for (int i = 0; i < d.length; i++) {
            x.d(i, Math.toIntExact(d[i]));
        }
        return x;
    }

    /** Parses {@code onnx} into a TensorRT network (no engine build). */
    public static ParseReport parse(Path onnx) {
        requireAvailable();
        Log log = new Log();
        IBuilder builder = nvinfer.createInferBuilder(log);
        if (builder == null || builder.isNull()) {
            throw new LinforgeException(1, "TensorRT: createInferBuilder failed: " + String.join("; ", log.errors));
        }
        try (INetworkDefinition net = builder.createNetworkV2(explicitBatch()); IParser parser = nvonnxparser.createParser(net, log)) {
            return parse(onnx, net, parser, log);
        } finally {
            builder.close();
        }
    }

    private static ParseReport parse(Path onnx, INetworkDefinition net, IParser parser, Log log) {
        boolean ok = parser.parseFromFile(onnx.toAbsolutePath().toString(), ILogger.Severity.kWARNING.value);
        List<String> errors = new ArrayList<>(log.errors);
        for (int i = 0; i < parser.getNbErrors(); i++) {
            errors.add(parser.getError(i).desc());
        }
        List<String> inputs = new ArrayList<>();
        for (int i = 0; i < net.getNbInputs(); i++) {
            inputs.add(net.getInput(i).getName());
        }
        return new ParseReport(ok && parser.getNbErrors() == 0, net.getNbLayers(), inputs, errors);
    }

    /**
     * How an engine is built. {@code tf32} lets fp32 matmuls round their inputs to TF32 (10
     * mantissa bits; faster, but about 1e-3 off fp32 results); {@code ranges} gives min / opt /
     * max of each symbolic dimension of the graph's inputs (defaults: {@link #DEFAULT_RANGES});
     * {@code level} is TensorRT's builder optimization level (0..5; 3 is its default, higher levels
     * try more kernels and build longer).
     */
    public record Options(boolean tf32, Map<String, long[]> ranges, long workspaceBytes, int level) {
        public static final int DEFAULT_LEVEL = 3;

        public Options {
            if (level < 0 || level > 5) {
                throw LinforgeException.badInput("--trt-level: TensorRT's builder optimization level is 0..5, got " + level);
            }
            ranges = Map.copyOf(ranges);
            for (Map.Entry<String, long[]> e : ranges.entrySet()) {
                long[] r = e.getValue();
                if (r.length != 3 || r[0] < 0 || r[0] > r[1] || r[1] > r[2] || r[2] > Integer.MAX_VALUE) {
                    throw LinforgeException.badInput("TensorRT profile of '" + e.getKey() + "': " + java.util.Arrays.toString(r)
                            + " (needs min <= opt <= max, all >= 0)");
                }
            }
        }

        /** Full fp32 (no TF32), the default ranges, 4 GiB of builder workspace. */
        public static Options defaults() {
            return new Options(false, DEFAULT_RANGES, 4L << 30, DEFAULT_LEVEL);
        }

        public Options withTf32(boolean on) {
            return new Options(on, ranges, workspaceBytes, level);
        }

        public Options withLevel(int l) {
            return new Options(tf32, ranges, workspaceBytes, l);
        }

        /** These ranges replace the defaults of the same dimensions. */
        public Options withRanges(Map<String, long[]> more) {
            Map<String, long[]> m = new LinkedHashMap<>(ranges);
            m.putAll(more);
            return new Options(tf32, m, workspaceBytes, level);
        }
    }

    /** Builds a serialized engine for {@code onnx} into {@code plan} (written atomically) with the default options. */
    public static Result build(Path onnx, Path plan) {
        return build(onnx, plan, Options.defaults());
    }

    /**
     * Builds a serialized engine for {@code onnx} into {@code plan} (written atomically). An fp16
     * graph (fp16 weights) is built with TensorRT's fp16 kernels allowed; an fp32 graph runs in
     * fp32, in full precision unless {@link Options#tf32()}.
     */
    public static Result build(Path onnx, Path plan, Options options) {
        requireAvailable();
        GraphInfo graph;
        try {
            graph = graphInfo(onnx);
        } catch (IOException e) {
            throw LinforgeException.badInput(onnx, "file", "cannot read it: " + e.getMessage());
        }
        Log log = new Log();
        IBuilder builder = nvinfer.createInferBuilder(log);
        if (builder == null || builder.isNull()) {
            throw new BuildFailed("TensorRT: createInferBuilder failed: " + String.join("; ", log.errors), null);
        }
        long t0 = System.nanoTime();
        try (INetworkDefinition net = builder.createNetworkV2(explicitBatch()); IParser parser = nvonnxparser.createParser(net, log);
                IBuilderConfig cfg = builder.createBuilderConfig()) {
            ParseReport report = parse(onnx, net, parser, log);
            if (!report.ok()) {
                throw new BuildFailed("TensorRT could not parse " + onnx + ": " + String.join("; ", report.errors()), report);
            }
            log.errors.clear();
            cfg.setMemoryPoolLimit(nvinfer.MemoryPoolType.kWORKSPACE, options.workspaceBytes());
            // the plan keeps each layer's type, formats and kernel, which `bench --profile` prints beside its times
            cfg.setProfilingVerbosity(nvinfer.ProfilingVerbosity.kDETAILED);
            cfg.setBuilderOptimizationLevel(options.level());
            if (!options.tf32()) {
                cfg.clearFlag(nvinfer.BuilderFlag.kTF32);
            }
            if (graph.fp16()) {
                cfg.setFlag(nvinfer.BuilderFlag.kFP16);
            }
            IOptimizationProfile profile = builder.createOptimizationProfile();
            for (Map.Entry<String, List<Object>> e : graph.inputs().entrySet()) {
                long[][] sel = new long[3][e.getValue().size()];
                for (int i = 0; i < e.getValue().size(); i++) {
                    Object d = e.getValue().get(i);
                    long[] r = d instanceof String s ? range(options, e.getKey(), s)
                            : new long[] {(Long) d, (Long) d, (Long) d};
                    for (int k = 0; k < 3; k++) {
                        sel[k][i] = r[k];
                    }
                }
                profile.setDimensions(e.getKey(), nvinfer.OptProfileSelector.kMIN, dims(sel[0]));
                profile.setDimensions(e.getKey(), nvinfer.OptProfileSelector.kOPT, dims(sel[1]));
                profile.setDimensions(e.getKey(), nvinfer.OptProfileSelector.kMAX, dims(sel[2]));
            }
            cfg.addOptimizationProfile(profile);
            IHostMemory mem = builder.buildSerializedNetwork(net, cfg);
            if (mem == null || mem.isNull()) {
                throw new BuildFailed("TensorRT engine build failed: " + String.join("; ", log.errors), report);
            }
            try (mem) {
                byte[] bytes = new byte[(int) mem.size()];
                new BytePointer(mem.data()).capacity(mem.size()).get(bytes);
                AtomicFiles.write(plan, out -> out.write(bytes));
                return new Result(plan, bytes.length, report, graph.fp16() ? "fp16" : options.tf32() ? "fp32+tf32" : "fp32",
                        (System.nanoTime() - t0) / 1e9);
            }
        } catch (IOException e) {
            throw new LinforgeException(1, "TensorRT: " + e.getMessage(), e);
        } finally {
            builder.close();
        }
    }
}
