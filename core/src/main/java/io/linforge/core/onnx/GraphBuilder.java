package io.linforge.core.onnx;

import com.google.protobuf.ByteString;
import io.linforge.core.Versions;
import io.linforge.core.io.AtomicFiles;
import io.linforge.core.onnx.proto.Onnx.AttributeProto;
import io.linforge.core.onnx.proto.Onnx.GraphProto;
import io.linforge.core.onnx.proto.Onnx.ModelProto;
import io.linforge.core.onnx.proto.Onnx.NodeProto;
import io.linforge.core.onnx.proto.Onnx.OperatorSetIdProto;
import io.linforge.core.onnx.proto.Onnx.StringStringEntryProto;
import io.linforge.core.onnx.proto.Onnx.TensorProto;
import io.linforge.core.onnx.proto.Onnx.TensorShapeProto;
import io.linforge.core.onnx.proto.Onnx.TypeProto;
import io.linforge.core.onnx.proto.Onnx.ValueInfoProto;
import io.linforge.core.tensor.ConvertedTensor;
import io.linforge.core.tensor.DType;
import io.linforge.core.tensor.TensorData;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds an ONNX graph: typed inputs and outputs with fixed or symbolic dimensions, initializers,
 * nodes with attributes, opset imports. Names are generated from a counter and the caller's
 * scope, so the same calls give the same bytes. {@link #save} writes the model atomically, with
 * large initializers in {@code model.onnx.data} (4096-aligned) when the model would pass 2 GB.
 */
public final class GraphBuilder {
    /** The producer name of every graph linforge writes. */
    public static final String PRODUCER = "linforge";

    /** IR version 8 pairs with opset 17 (readable by onnx 1.12+, ORT, TensorRT). */
    public static final int IR_VERSION = 8;
    public static final int DEFAULT_OPSET = 17;
    /** The highest opset the exporter writes: 23 brings {@code Attention} and {@code RMSNormalization}. */
    public static final int MAX_OPSET = 23;
    /** Models whose initializers exceed this go to external data. */
    public static final long EXTERNAL_THRESHOLD = 1_800_000_000L;

    private final String name;
    private final int opset;
    private final List<NodeProto> nodes = new ArrayList<>();
    private final Map<String, TensorProto> initializers = new LinkedHashMap<>();
    private final List<ValueInfoProto> inputs = new ArrayList<>();
    private final List<ValueInfoProto> outputs = new ArrayList<>();
    private final Map<String, ValueInfoProto> valueInfo = new LinkedHashMap<>();
    private final Map<String, Integer> counters = new HashMap<>();
    private final Map<String, String> constantCache = new HashMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();
    /** Initializers whose bytes are produced when the model is built or saved. */
    private final Map<String, ConvertedTensor> deferred = new HashMap<>();

    public GraphBuilder(String name, int opset) {
        this.name = name;
        this.opset = opset;
    }

    public int opset() {
        return opset;
    }

    /** A name not used before: {@code base}, then {@code base_1}, {@code base_2}, ... */
    public String unique(String base) {
        int n = counters.merge(base, 1, Integer::sum);
        return n == 1 ? base : base + "_" + (n - 1);
    }

    private static ValueInfoProto valueInfo(String name, DType dt, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object d : dims) {
            TensorShapeProto.Dimension.Builder b = TensorShapeProto.Dimension.newBuilder();
            if (d instanceof String s) {
                b.setDimParam(s);
            } else {
                b.setDimValue(((Number) d).longValue());
            }
            shape.addDim(b);
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(dt.onnxType()).setShape(shape))).build();
    }

    /** A graph input; dims are numbers (fixed) or strings (symbolic, e.g. "batch"). */
    public String input(String name, DType dt, Object... dims) {
        inputs.add(valueInfo(name, dt, dims));
        counters.merge(name, 1, Integer::sum);
        return name;
    }

    public void output(String value, DType dt, Object... dims) {
        outputs.add(valueInfo(value, dt, dims));
    }

    /**
     * Declares the type and shape of an intermediate value ({@code value_info}); symbolic
     * dimensions let ONNX Runtime's fusions that compare shapes match across dynamic axes.
     */
    public String annotate(String value, DType dt, Object... dims) {
        valueInfo.put(value, valueInfo(value, dt, dims));
        return value;
    }

    /** The IR version written with an opset: the lowest that defines it (8 up to opset 17, 11 for 23). */
    public static int irVersion(int opset) {
        if (opset >= 23) {
            return 11;
        }
        if (opset >= 21) {
            return 10;
        }
        return opset >= 19 ? 9 : IR_VERSION;
    }

    public String initializer(String name, TensorData data) {
        String n = initializers.containsKey(name) ? unique(name) : name;
        counters.merge(n, 1, Integer::sum);
        initializers.put(n, OnnxTensors.toProto(n, data));
        return n;
    }

    /**
     * An initializer converted from its source only when the model is built, or streamed into the
     * external data file when it is saved ({@link #save(Path, boolean)}).
     */
    public String initializer(String name, ConvertedTensor data) {
        String n = initializers.containsKey(name) ? unique(name) : name;
        counters.merge(n, 1, Integer::sum);
        initializers.put(n, OnnxTensors.header(n, data.dtype(), data.shape()).build());
        deferred.put(n, data);
        return n;
    }

    public boolean hasInitializer(String name) {
        return initializers.containsKey(name);
    }

    /** An int64 constant (shared between uses). */
    public String constInts(long... values) {
        String key = "i" + java.util.Arrays.toString(values);
        return constantCache.computeIfAbsent(key, k -> initializer(unique("const_i64"),
                TensorData.ofLongs(new long[] {values.length}, values)));
    }

    /** An int64 scalar constant. */
    public String constScalar(long value) {
        String key = "s" + value;
        return constantCache.computeIfAbsent(key, k -> initializer(unique("const_i64"),
                TensorData.ofLongs(new long[0], new long[] {value})));
    }

    /** A floating scalar constant of the given type (F32 or F16). */
    public String constFloat(float value, DType dt) {
        String key = "f" + dt + Float.floatToIntBits(value);
        return constantCache.computeIfAbsent(key, k -> {
            TensorData t = TensorData.ofFloats(new long[0], new float[] {value});
            return initializer(unique("const_f"), dt == DType.F16 ? t.toF16() : t);
        });
    }

    /** Adds a node and returns its first output's name ({@code <nodeName>_output_0}). */
    public String node(String op, String nodeName, List<String> in, Map<String, Object> attrs) {
        return nodeMulti(op, nodeName, in, 1, attrs).get(0);
    }

    public String node(String op, String nodeName, String... in) {
        return node(op, nodeName, List.of(in), Map.of());
    }

    /** Adds a node with {@code nOut} outputs. */
    public List<String> nodeMulti(String op, String nodeName, List<String> in, int nOut, Map<String, Object> attrs) {
        String n = unique(nodeName);
        List<String> outs = new ArrayList<>();
        for (int i = 0; i < nOut; i++) {
            outs.add(n + "_output_" + i);
        }
        return nodeNamed(op, n, in, outs, attrs);
    }

    /** Adds a node whose outputs have the given names (graph outputs, cache tensors). */
    public List<String> nodeNamed(String op, String nodeName, List<String> in, List<String> outs, Map<String, Object> attrs) {
        NodeProto.Builder b = NodeProto.newBuilder().setOpType(op).setName(nodeName).addAllInput(in).addAllOutput(outs);
        attrs.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> b.addAttribute(attribute(e.getKey(),
                e.getValue())));
        nodes.add(b.build());
        return outs;
    }

    static AttributeProto attribute(String name, Object v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name);
        if (v instanceof Integer || v instanceof Long) {
            a.setType(AttributeProto.AttributeType.INT).setI(((Number) v).longValue());
        } else if (v instanceof Float || v instanceof Double) {
            a.setType(AttributeProto.AttributeType.FLOAT).setF(((Number) v).floatValue());
        } else if (v instanceof String s) {
            a.setType(AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8(s));
        } else if (v instanceof long[] ls) {
            a.setType(AttributeProto.AttributeType.INTS);
            for (long l : ls) {
                a.addInts(l);
            }
        } else if (v instanceof int[] is) {
            a.setType(AttributeProto.AttributeType.INTS);
            for (int l : is) {
                a.addInts(l);
            }
        } else if (v instanceof float[] fs) {
            a.setType(AttributeProto.AttributeType.FLOATS);
            for (float f : fs) {
                a.addFloats(f);
            }
        } else if (v instanceof TensorData t) {
            a.setType(AttributeProto.AttributeType.TENSOR).setT(OnnxTensors.toProto("", t));
        } else {
            throw new IllegalArgumentException("attribute " + name + ": " + v);
        }
        return a.build();
    }

    public void metadata(String key, String value) {
        metadata.put(key, value);
    }

    /** The model with every initializer's bytes in it. */
    public ModelProto build() {
        List<TensorProto> inits = new ArrayList<>();
        for (TensorProto t : initializers.values()) {
            ConvertedTensor d = deferred.get(t.getName());
            inits.add(d == null ? t : OnnxTensors.toProto(t.getName(), d.toTensorData()));
        }
        return build(inits);
    }

    private ModelProto build(List<TensorProto> inits) {
        GraphProto.Builder g = GraphProto.newBuilder().setName(name).addAllNode(nodes)
                .addAllInitializer(inits).addAllInput(inputs).addAllOutput(outputs)
                .addAllValueInfo(valueInfo.values());
        ModelProto.Builder m = ModelProto.newBuilder().setIrVersion(irVersion(opset)).setProducerName(PRODUCER)
                .setProducerVersion(Versions.linforge()).setGraph(g)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset));
        metadata.forEach((k, v) -> m.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return m.build();
    }

    /** Total bytes of the initializers' data. */
    static long initializerBytes(ModelProto m, Map<String, ConvertedTensor> deferred) {
        long n = 0;
        for (TensorProto t : m.getGraph().getInitializerList()) {
            ConvertedTensor d = deferred.get(t.getName());
            n += d == null ? t.getRawData().size() : d.byteSize();
        }
        return n;
    }

    /**
     * Writes the model to {@code file} atomically, as {@link #save(ModelProto, Path, boolean)} does;
     * with external data, each initializer made from a {@link ConvertedTensor} is converted while it
     * is written to {@code <file>.data}, one at a time, so the weights never sit in memory together.
     */
    public void save(Path file, boolean external) throws IOException {
        ModelProto skeleton = build(new ArrayList<>(initializers.values()));
        if (!external && initializerBytes(skeleton, deferred) <= EXTERNAL_THRESHOLD) {
            save(build(), file, false);
            return;
        }
        writeExternal(skeleton, deferred, file);
    }

    /**
     * Writes {@code model} to {@code file} atomically. With {@code external} (or when the
     * initializers pass {@link #EXTERNAL_THRESHOLD}), tensors of 1 KB or more go to
     * {@code <file>.data} at 4096-aligned offsets, referenced by {@code external_data}.
     */
    public static void save(ModelProto model, Path file, boolean external) throws IOException {
        boolean ext = external || initializerBytes(model, Map.of()) > EXTERNAL_THRESHOLD;
        if (!ext) {
            AtomicFiles.write(file, out -> model.writeTo(out));
            Files.deleteIfExists(file.resolveSibling(file.getFileName() + ".data"));
            return;
        }
        writeExternal(model, Map.of(), file);
    }

    /** One external initializer: where it goes and what writes its bytes. */
    private record Blob(long offset, long length, IoWriter writer) {
    }

    private interface IoWriter {
        void write(WritableByteChannel ch) throws IOException;
    }

    private static void writeExternal(ModelProto model, Map<String, ConvertedTensor> deferred, Path file) throws IOException {
        Path dataFile = file.resolveSibling(file.getFileName() + ".data");
        String location = dataFile.getFileName().toString();
        GraphProto.Builder g = model.getGraph().toBuilder().clearInitializer();
        List<Blob> blobs = new ArrayList<>();
        long offset = 0;
        for (TensorProto t : model.getGraph().getInitializerList()) {
            ConvertedTensor d = deferred.get(t.getName());
            long size = d == null ? t.getRawData().size() : d.byteSize();
            if (size < 1024) {
                g.addInitializer(d == null ? t : OnnxTensors.toProto(t.getName(), d.toTensorData()));
                continue;
            }
            offset = (offset + 4095) / 4096 * 4096;
            g.addInitializer(t.toBuilder().clearRawData().setDataLocation(TensorProto.DataLocation.EXTERNAL)
                    .addExternalData(entry("location", location)).addExternalData(entry("offset", Long.toString(offset)))
                    .addExternalData(entry("length", Long.toString(size))).build());
            ByteString raw = t.getRawData();
            blobs.add(new Blob(offset, size, d != null ? d::writeTo : ch -> {
                ByteBuffer b = raw.asReadOnlyByteBuffer();
                while (b.hasRemaining()) {
                    ch.write(b);
                }
            }));
            offset += size;
        }
        AtomicFiles.write(dataFile, out -> {
            long pos = 0;
            WritableByteChannel ch = Channels.newChannel(out);
            for (Blob b : blobs) {
                long pad = b.offset() - pos;
                if (pad > 0) {
                    out.write(new byte[(int) pad]);
                }
                b.writer().write(ch);
                pos = b.offset() + b.length();
            }
        });
        ModelProto slim = model.toBuilder().setGraph(g).build();
        AtomicFiles.write(file, (OutputStream out) -> slim.writeTo(out));
    }

    private static StringStringEntryProto entry(String k, String v) {
        return StringStringEntryProto.newBuilder().setKey(k).setValue(v).build();
    }
}
