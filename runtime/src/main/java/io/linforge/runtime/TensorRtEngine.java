package io.linforge.runtime;

import io.linforge.core.LinforgeException;
import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.cuda.cudart.CUgraphExec_st;
import org.bytedeco.cuda.cudart.CUgraph_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.tensorrt.global.nvinfer;
import org.bytedeco.tensorrt.nvinfer.Dims32;
import org.bytedeco.tensorrt.nvinfer.ICudaEngine;
import org.bytedeco.tensorrt.nvinfer.IEngineInspector;
import org.bytedeco.tensorrt.nvinfer.IExecutionContext;
import org.bytedeco.tensorrt.nvinfer.ILogger;
import org.bytedeco.tensorrt.nvinfer.IProfiler;
import org.bytedeco.tensorrt.nvinfer.IRuntime;

/**
 * The native half of {@link TensorRtSession}: a deserialized engine, its execution context, a CUDA
 * stream, and per input/output tensor a device buffer and a pinned host buffer, each grown to the
 * largest shape seen. This is the only class of the runtime that touches the bytedeco CUDA and
 * TensorRT classes; it is used only after {@link TensorRtProbe} found them loadable.
 *
 * <p>Ownership: the context's working memory, the I/O buffers and the stream are allocated here and
 * freed in {@link #close()}. The runtime, engine and context objects are released with
 * {@code deallocate()}, in reverse order of creation; the bytedeco presets attach no
 * deleter to objects TensorRT creates, so this frees their host-side state only once the presets
 * do (their device memory, apart from the engine's weights, is the memory freed here).
 */
final class TensorRtEngine implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TensorRtEngine.class);

    /** One input or output of the engine; {@code dims} has -1 for dynamic dimensions. */
    record Tensor(String name, boolean input, TensorType type, String trtType, long[] dims, ShapeRange range) {
    }

    /** The device buffer and pinned host buffer of one tensor. */
    private static final class Slot {
        Pointer device = new Pointer();
        long deviceBytes;
        BytePointer host = new BytePointer();
        long hostBytes;
        /** Bytes of the current shape. */
        long bytes;
    }

    /**
     * TensorRT's messages: warnings to stderr; errors kept (the last 8) for the one-line message of
     * the failure they explain.
     */
    static final class Log extends ILogger {
        private final Deque<String> errors = new ArrayDeque<>();

        @Override
        public void log(Severity severity, String msg) {
            if (severity.value <= Severity.kERROR.value) {
                synchronized (errors) {
                    errors.addLast(msg);
                    while (errors.size() > 8) {
                        errors.removeFirst();
                    }
                }
            }
            if (severity.value == Severity.kWARNING.value) {
                LOG.warn("tensorrt [warning] {}", msg);
            }
        }

        /** The errors logged since the last call, joined on one line ("" when none). */
        String drain() {
            synchronized (errors) {
                String s = String.join("; ", errors).replace('\n', ' ');
                errors.clear();
                return s;
            }
        }
    }

    /**
     * TensorRT's per-layer timer: with a profiler set, every enqueue runs layer by layer and reports
     * each layer's time (ms) once the run is done. Kept per layer, in engine order.
     */
    static final class LayerTimes extends IProfiler {
        final Map<String, List<Double>> times = new LinkedHashMap<>();

        @Override
        public void reportLayerTime(String layer, float ms) {
            synchronized (times) {
                times.computeIfAbsent(layer, k -> new ArrayList<>()).add((double) ms);
            }
        }
    }

    /**
     * TensorRT keeps a pointer to the logger in every runtime; since those objects cannot be
     * deleted from Java, one logger lives as long as the JVM.
     */
    private static Log log;

    private static synchronized Log log() {
        if (log == null) {
            log = new Log();
        }
        return log;
    }

    private final Path plan;
    private final int device;
    private final String version;
    private final Map<String, Slot> slots = new LinkedHashMap<>();
    private final List<Tensor> tensors = new ArrayList<>();
    private IRuntime runtime;
    private ICudaEngine engine;
    private IExecutionContext context;
    private Pointer contextMemory;
    private CUstream_st stream;
    private LayerTimes profiler;
    private boolean closed;
    /** Input shapes as last set, in the form of the graph signature. */
    private final Map<String, String> inputShapes = new LinkedHashMap<>();
    /** Replay enqueues as CUDA graphs (off when asked, when profiling, and after a capture failed). */
    private boolean graphs = true;
    /** Shapes and buffers of the previous enqueue, and of the captured graph. */
    private String lastSignature = "";
    private String graphSignature;
    private CUgraph_st graph;
    private CUgraphExec_st graphExec;
    /** Enqueues replayed from a graph, and graphs captured, since the engine was opened. */
    private long replays;
    private long captures;

    private TensorRtEngine(Path plan, int device, String version) {
        this.plan = plan;
        this.device = device;
        this.version = version;
    }

    /**
     * Loads the CUDA and TensorRT natives, checks that there is a CUDA device, and returns
     * TensorRT's version; any failure (a missing library, no device) propagates to the probe.
     */
    static String probe() throws TensorRtProbe.Unusable {
        Loader.load(cudart.class);
        int[] n = new int[1];
        int rc = cudart.cudaGetDeviceCount(n);
        if (rc != cudart.cudaSuccess) {
            throw new TensorRtProbe.Unusable("cudaGetDeviceCount: " + cudaError(rc));
        }
        if (n[0] < 1) {
            throw new TensorRtProbe.Unusable("no CUDA device");
        }
        Loader.load(nvinfer.class);
        int v = nvinfer.getInferLibVersion();
        if (v <= 0) {
            throw new TensorRtProbe.Unusable("TensorRT reports version " + v);
        }
        return TensorRtProbe.versionText(v);
    }

    /** Deserializes {@code plan} on CUDA device {@code device}. */
    static TensorRtEngine open(Path plan, int device, String version) {
        TensorRtEngine e = new TensorRtEngine(plan, device, version);
        try {
            e.load();
            return e;
        } catch (RuntimeException | Error t) {
            e.close();
            throw t;
        }
    }

    private void load() {
        check(cudart.cudaSetDevice(device), "cudaSetDevice(" + device + ")");
        Log l = log();
        l.drain();
        CUstream_st s = new CUstream_st();
        check(cudart.cudaStreamCreate(s), "cudaStreamCreate");
        stream = s;
        runtime = nvinfer.createInferRuntime(l);
        if (runtime == null || runtime.isNull()) {
            runtime = null;
            throw new LinforgeException(LinforgeException.FAILURE, plan + ": TensorRT createInferRuntime failed: " + l.drain());
        }
        long size;
        try {
            size = Files.size(plan);
        } catch (IOException e) {
            throw LinforgeException.badInput(plan, "file", "cannot read it: " + e.getMessage());
        }
        if (size == 0) {
            throw LinforgeException.badInput(plan, "engine", "empty file (a serialized TensorRT engine is needed)");
        }
        if (size <= Integer.MAX_VALUE) {
            // memory-mapped: TensorRT copies what it keeps, so no second copy of the file is made
            try (FileChannel ch = FileChannel.open(plan, StandardOpenOption.READ)) {
                MappedByteBuffer mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
                engine = runtime.deserializeCudaEngine(new Pointer(mapped), size);
                Reference.reachabilityFence(mapped);
            } catch (IOException e) {
                throw LinforgeException.badInput(plan, "file", "cannot read it: " + e.getMessage());
            }
        } else {
            try (BytePointer blob = new BytePointer(size)) {
                read(plan, blob, size);
                engine = runtime.deserializeCudaEngine(blob, size);
            }
        }
        if (engine == null || engine.isNull()) {
            engine = null;
            throw LinforgeException.badInput(plan, "engine", "TensorRT " + version + " cannot deserialize it ("
                    + l.drain() + "); a plan runs only with the TensorRT version and on the GPU model that built it");
        }
        // The context's working memory is allocated here, so that close() can give it back.
        context = engine.createExecutionContextWithoutDeviceMemory();
        if (context == null || context.isNull()) {
            context = null;
            throw new LinforgeException(LinforgeException.FAILURE, plan + ": TensorRT cannot create an execution context: "
                    + l.drain());
        }
        long work = engine.getDeviceMemorySize();
        if (work > 0) {
            Pointer p = new Pointer();
            check(cudart.cudaMalloc(p, work), "cudaMalloc(" + work + " bytes of working memory)");
            contextMemory = p;
            context.setDeviceMemory(p);
        }
        describe();
    }

    /** Reads a file of more than 2 GiB into native memory, 1 GiB at a time. */
    private static void read(Path plan, BytePointer blob, long size) {
        try (FileChannel ch = FileChannel.open(plan, StandardOpenOption.READ)) {
            long off = 0;
            while (off < size) {
                long len = Math.min(1L << 30, size - off);
                ByteBuffer chunk = blob.position(off).limit(off + len).asByteBuffer();
                while (chunk.hasRemaining()) {
                    if (ch.read(chunk, off + chunk.position()) < 0) {
                        throw LinforgeException.badInput(plan, "file", "shorter than its size while reading");
                    }
                }
                off += len;
            }
        } catch (IOException e) {
            throw LinforgeException.badInput(plan, "file", "cannot read it: " + e.getMessage());
        } finally {
            blob.position(0).limit(size);
        }
    }

    private void describe() {
        int profiles = engine.getNbOptimizationProfiles();
        for (int i = 0; i < engine.getNbIOTensors(); i++) {
            String name = engine.getIOTensorName(i);
            boolean input = engine.getTensorIOMode(name).value == nvinfer.TensorIOMode.kINPUT.value;
            int dt = engine.getTensorDataType(name).value;
            long[] dims = dims(engine.getTensorShape(name));
            ShapeRange range = null;
            if (input) {
                boolean dynamic = false;
                for (long d : dims) {
                    dynamic |= d < 0;
                }
                if (dynamic && profiles > 0) {
                    range = new ShapeRange(name, dims(engine.getProfileShape(name, 0, nvinfer.OptProfileSelector.kMIN)),
                            dims(engine.getProfileShape(name, 0, nvinfer.OptProfileSelector.kOPT)),
                            dims(engine.getProfileShape(name, 0, nvinfer.OptProfileSelector.kMAX)));
                } else {
                    range = ShapeRange.fixed(name, dims);
                }
            }
            tensors.add(new Tensor(name, input, type(dt), trtTypeName(dt), dims, range));
            slots.put(name, new Slot());
        }
    }

    List<Tensor> tensors() {
        return tensors;
    }

    String version() {
        return version;
    }

    /** The dimensions as Java values; frees the native copy. */
    private static long[] dims(Dims32 d) {
        try {
            int n = Math.max(0, d.nbDims());
            long[] out = new long[n];
            for (int i = 0; i < n; i++) {
                out[i] = d.d(i);
            }
            return out;
        } finally {
            d.deallocate();
        }
    }

    static TensorType type(int trt) {
        if (trt == nvinfer.DataType.kFLOAT.value) {
            return TensorType.FLOAT32;
        } else if (trt == nvinfer.DataType.kHALF.value) {
            return TensorType.FLOAT16;
        } else if (trt == nvinfer.DataType.kINT32.value) {
            return TensorType.INT32;
        } else if (trt == nvinfer.DataType.kINT8.value) {
            return TensorType.INT8;
        } else if (trt == nvinfer.DataType.kUINT8.value) {
            return TensorType.UINT8;
        } else if (trt == nvinfer.DataType.kBOOL.value) {
            return TensorType.BOOL;
        }
        return TensorType.UNSUPPORTED;
    }

    private static String trtTypeName(int trt) {
        for (nvinfer.DataType t : nvinfer.DataType.values()) {
            if (t.value == trt) {
                return t.name();
            }
        }
        return "DataType(" + trt + ")";
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(plan + ": the TensorRT session is closed");
        }
    }

    /** Sets the shape of a dynamic input; false when TensorRT rejects it. */
    boolean setInputShape(String name, long[] shape) {
        ensureOpen();
        Dims32 d = new Dims32();
        try {
            d.nbDims(shape.length);
            for (int i = 0; i < shape.length; i++) {
                d.d(i, Math.toIntExact(shape[i]));
            }
            inputShapes.put(name, java.util.Arrays.toString(shape));
            return context.setInputShape(name, d);
        } finally {
            d.deallocate();
        }
    }

    /** The shape of a tensor for the input shapes set (outputs: -1 where it depends on the data). */
    long[] shape(String name) {
        ensureOpen();
        return dims(context.getTensorShape(name));
    }

    /** TensorRT's errors since the last call (one line, "" when none). */
    String errors() {
        return log().drain();
    }

    /**
     * A writable view (native byte order) of the pinned host buffer of input {@code name}, sized
     * {@code bytes}; the host buffer is grown when needed and reused by later calls.
     */
    ByteBuffer stage(String name, long bytes) {
        ensureOpen();
        if (bytes > Integer.MAX_VALUE) {
            throw new LinforgeException(LinforgeException.FAILURE, plan + ": input '" + name + "' needs " + bytes
                    + " bytes; host buffers are limited to 2 GiB per tensor");
        }
        Slot s = slots.get(name);
        ensureHost(name, s, bytes);
        s.bytes = bytes;
        return view(s.host, bytes);
    }

    private static ByteBuffer view(BytePointer host, long bytes) {
        if (bytes == 0) {
            return ByteBuffer.allocate(0).order(ByteOrder.nativeOrder());
        }
        return host.position(0).limit(bytes).asByteBuffer().order(ByteOrder.nativeOrder());
    }

    private void ensureHost(String name, Slot s, long bytes) {
        if (bytes <= s.hostBytes) {
            return;
        }
        if (s.hostBytes > 0) {
            check(cudart.cudaFreeHost(s.host), "cudaFreeHost(" + name + ")");
            s.host = new BytePointer();
            s.hostBytes = 0;
        }
        BytePointer p = new BytePointer();
        check(cudart.cudaMallocHost(p, bytes), "cudaMallocHost(" + name + ", " + bytes + " bytes)");
        s.host = p.capacity(bytes);
        s.hostBytes = bytes;
    }

    private void ensureDevice(String name, Slot s, long bytes) {
        // TensorRT wants a non-null address even for empty tensors (e.g. a past length of 0).
        long need = Math.max(bytes, 256);
        if (need <= s.deviceBytes) {
            return;
        }
        if (s.deviceBytes > 0) {
            check(cudart.cudaFree(s.device), "cudaFree(" + name + ")");
            s.device = new Pointer();
            s.deviceBytes = 0;
        }
        // a quarter more than asked, so a key/value cache that grows by a position per run is not
        // reallocated on every run
        long alloc = need + need / 4;
        Pointer p = new Pointer();
        check(cudart.cudaMalloc(p, alloc), "cudaMalloc(" + name + ", " + alloc + " bytes)");
        s.device = p;
        s.deviceBytes = alloc;
    }

    /**
     * Runs the engine on the staged inputs: copies them to the device, enqueues on the stream,
     * copies the {@code wanted} outputs back and waits. {@code outputBytes} gives every output's
     * size for the current shapes (all outputs need a buffer). Inputs named in {@code fed} (input →
     * output) take the previous run's output where it is: the two device buffers are swapped, so
     * nothing is copied (a key/value cache stays on the GPU). Returns read-only views of the wanted
     * outputs' host buffers, valid until the next call.
     */
    Map<String, ByteBuffer> execute(Map<String, Long> outputBytes, Set<String> wanted, Map<String, String> fed) {
        ensureOpen();
        check(cudart.cudaSetDevice(device), "cudaSetDevice(" + device + ")");
        for (Map.Entry<String, String> f : fed.entrySet()) {
            Slot in = slots.get(f.getKey());
            Slot out = slots.get(f.getValue());
            Pointer p = in.device;
            long cap = in.deviceBytes;
            in.device = out.device;
            in.deviceBytes = out.deviceBytes;
            in.bytes = out.bytes;
            out.device = p;
            out.deviceBytes = cap;
        }
        for (Tensor t : tensors) {
            Slot s = slots.get(t.name());
            if (t.input()) {
                ensureDevice(t.name(), s, s.bytes);
                if (s.bytes > 0 && !fed.containsKey(t.name())) {
                    check(cudart.cudaMemcpyAsync(s.device, s.host.position(0), s.bytes, cudart.cudaMemcpyHostToDevice,
                            stream), "copy of input '" + t.name() + "' to the GPU");
                }
            } else {
                s.bytes = outputBytes.get(t.name());
                ensureDevice(t.name(), s, s.bytes);
            }
            if (!context.setTensorAddress(t.name(), s.device)) {
                throw new LinforgeException(LinforgeException.FAILURE, plan + ": TensorRT rejects the buffer of '" + t.name()
                        + "': " + errors());
            }
        }
        enqueue();
        Map<String, ByteBuffer> out = new LinkedHashMap<>();
        for (Tensor t : tensors) {
            if (t.input() || !wanted.contains(t.name())) {
                continue;
            }
            Slot s = slots.get(t.name());
            if (s.bytes > Integer.MAX_VALUE) {
                throw new LinforgeException(LinforgeException.FAILURE, plan + ": output '" + t.name() + "' has " + s.bytes
                        + " bytes; host buffers are limited to 2 GiB per tensor");
            }
            ensureHost(t.name(), s, s.bytes);
            if (s.bytes > 0) {
                check(cudart.cudaMemcpyAsync(s.host.position(0), s.device, s.bytes, cudart.cudaMemcpyDeviceToHost, stream),
                        "copy of output '" + t.name() + "' from the GPU");
            }
        }
        check(cudart.cudaStreamSynchronize(stream), "cudaStreamSynchronize");
        for (Tensor t : tensors) {
            if (!t.input() && wanted.contains(t.name())) {
                Slot s = slots.get(t.name());
                out.put(t.name(), view(s.host, s.bytes).asReadOnlyBuffer().order(ByteOrder.nativeOrder()));
            }
        }
        return out;
    }

    /**
     * Enqueues the engine. The second run in a row with the same input shapes and buffers is
     * captured as a CUDA graph, and later runs with them replay it: one launch instead of one per
     * kernel (TensorRT needs a plain enqueue after a shape change before a capture, which the first
     * run is). Inputs are copied into the same buffers before each launch, so a replay computes
     * what an enqueue would. Engines whose enqueue cannot be captured run plainly from then on.
     */
    private void enqueue() {
        if (graphs && profiler == null) {
            StringBuilder sig = new StringBuilder(inputShapes.toString());
            for (Tensor t : tensors) {
                sig.append(' ').append(slots.get(t.name()).device.address());
            }
            String signature = sig.toString();
            boolean replay = graphExec != null && signature.equals(graphSignature);
            if (!replay && signature.equals(lastSignature) && capture()) {
                graphSignature = signature;
                replay = true;
            }
            lastSignature = signature;
            if (replay) {
                check(cudart.cudaGraphLaunch(graphExec, stream), "cudaGraphLaunch");
                replays++;
                return;
            }
        } else {
            lastSignature = "";
        }
        if (!context.enqueueV3(stream)) {
            String why = errors();
            cudart.cudaStreamSynchronize(stream);
            throw new LinforgeException(LinforgeException.FAILURE, plan + ": TensorRT inference failed: " + why);
        }
    }

    /** Captures one enqueue as a graph (replacing the previous one); false, and graphs off, when it cannot be captured. */
    private boolean capture() {
        dropGraph();
        check(cudart.cudaStreamBeginCapture(stream, cudart.cudaStreamCaptureModeThreadLocal), "cudaStreamBeginCapture");
        boolean enqueued = context.enqueueV3(stream);
        CUgraph_st g = new CUgraph_st();
        int end = cudart.cudaStreamEndCapture(stream, g);
        if (enqueued && end == cudart.cudaSuccess && !g.isNull()) {
            CUgraphExec_st exec = new CUgraphExec_st();
            int inst = cudart.cudaGraphInstantiate(exec, g, 0L);
            if (inst == cudart.cudaSuccess) {
                graph = g;
                graphExec = exec;
                captures++;
                return true;
            }
            end = inst;
        }
        if (!g.isNull()) {
            cudart.cudaGraphDestroy(g);
        }
        cudart.cudaGetLastError(); // a failed capture leaves a sticky error only for the calls that made it
        errors();
        graphs = false;
        LOG.info("{}: runs are not captured as CUDA graphs ({}); enqueued one by one", plan,
                enqueued ? cudaError(end) : "TensorRT's enqueue cannot be captured");
        return false;
    }

    private void dropGraph() {
        if (graphExec != null) {
            cudart.cudaGraphExecDestroy(graphExec);
            graphExec = null;
        }
        if (graph != null) {
            cudart.cudaGraphDestroy(graph);
            graph = null;
        }
        graphSignature = null;
    }

    /** Turns replaying runs as CUDA graphs on or off (on by default). */
    synchronized void cudaGraphs(boolean on) {
        graphs = on;
        if (!on) {
            dropGraph();
        }
    }

    /** Runs replayed from a CUDA graph and graphs captured so far. */
    synchronized long[] graphStats() {
        return new long[] {replays, captures};
    }

    /**
     * Starts recording every layer's time in the runs that follow (each run then waits for its
     * layers one by one, so it takes longer than an unprofiled run).
     */
    synchronized void startProfiling() {
        ensureOpen();
        profiler = new LayerTimes();
        context.setProfiler(profiler);
    }

    /** Stops recording; the times of every layer in every run since {@link #startProfiling()}, in engine order. */
    synchronized Map<String, List<Double>> endProfiling() {
        ensureOpen();
        if (profiler == null) {
            throw new IllegalStateException(plan + ": profiling was not started");
        }
        context.setProfiler(null);
        Map<String, List<Double>> out;
        synchronized (profiler.times) {
            out = new LinkedHashMap<>(profiler.times);
        }
        profiler = null;
        return out;
    }

    /**
     * TensorRT's description of the engine's layers (JSON: each layer's name, and with an engine
     * built at detailed profiling verbosity its type, inputs and outputs with their formats, and
     * the kernel chosen), for the shapes last run.
     */
    synchronized String layerInformation() {
        ensureOpen();
        IEngineInspector inspector = engine.createEngineInspector();
        if (inspector == null || inspector.isNull()) {
            return "{}";
        }
        inspector.setExecutionContext(context);
        String info = inspector.getEngineInformation(nvinfer.LayerInformationFormat.kJSON);
        return info == null ? "{}" : info;
    }

    private void check(int rc, String what) {
        if (rc != cudart.cudaSuccess) {
            throw new LinforgeException(LinforgeException.FAILURE, plan + ": CUDA " + what + " failed: " + cudaError(rc));
        }
    }

    private static String cudaError(int rc) {
        BytePointer s = cudart.cudaGetErrorString(rc);
        return (s == null || s.isNull() ? "error" : s.getString()) + " (" + rc + ")";
    }

    /** Frees everything this engine allocated; safe to call twice and after a failed load. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (stream != null) {
            cudart.cudaStreamSynchronize(stream);
        }
        dropGraph();
        if (context != null) {
            context.deallocate();
            context = null;
        }
        if (contextMemory != null) {
            cudart.cudaFree(contextMemory);
            contextMemory = null;
        }
        if (engine != null) {
            engine.deallocate();
            engine = null;
        }
        if (runtime != null) {
            runtime.deallocate();
            runtime = null;
        }
        for (Slot s : slots.values()) {
            if (s.deviceBytes > 0) {
                cudart.cudaFree(s.device);
                s.deviceBytes = 0;
            }
            if (s.hostBytes > 0) {
                cudart.cudaFreeHost(s.host);
                s.hostBytes = 0;
            }
        }
        if (stream != null) {
            cudart.cudaStreamDestroy(stream);
            stream = null;
        }
    }
}
