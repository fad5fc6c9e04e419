package io.linforge.core.onnx;

import com.google.protobuf.InvalidProtocolBufferException;
import io.linforge.core.LinforgeException;
import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.core.config.ModelConfig;
import io.linforge.core.onnx.proto.Onnx.AttributeProto;
import io.linforge.core.onnx.proto.Onnx.GraphProto;
import io.linforge.core.onnx.proto.Onnx.ModelProto;
import io.linforge.core.onnx.proto.Onnx.NodeProto;
import io.linforge.core.onnx.proto.Onnx.TensorProto;
import io.linforge.core.tensor.DType;
import io.linforge.core.tensor.TensorData;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Turns a BERT-family ONNX export (a file, or a jar that holds one) into a Hugging Face
 * checkpoint folder. Initializers that carry Hugging Face names keep them (after any wrapper
 * prefix is dropped); the anonymous MatMul weights of PyTorch exports ({@code onnx::MatMul_787},
 * stored [in, out]) are named through the node that consumes them and transposed to PyTorch's
 * [out, in]. The config is read off the graph: sizes from shapes, heads from the attention
 * Reshape, epsilon from the LayerNorm, the activation from its ops.
 */
public final class OnnxImporter {
    private static final Pattern HF_NAME = Pattern.compile("(?:^|\\.)((?:embeddings|encoder|pooler)\\..+)$");
    private static final Pattern NODE_MODULE = Pattern.compile("/((?:embeddings|encoder|pooler)/.+)/(?:MatMul|Gemm)(?:_\\d+)?$");
    private static final Pattern LAYER = Pattern.compile("^encoder\\.layer\\.(\\d+)\\.");

    /** What an import produced. */
    public record Result(ModelConfig config, Map<String, TensorData> tensors, String onnxName, boolean tokenizer) {
    }

    private final Object source;
    private final GraphProto graph;
    private final Path baseDir;
    private final Map<String, TensorData> constants = new HashMap<>();
    private final Map<String, NodeProto> producer = new HashMap<>();
    private final Map<String, List<NodeProto>> consumers = new HashMap<>();

    private OnnxImporter(Object source, ModelProto model, Path baseDir) {
        this.source = source;
        this.graph = model.getGraph();
        this.baseDir = baseDir;
        for (TensorProto t : graph.getInitializerList()) {
            constants.put(t.getName(), OnnxTensors.read(t, baseDir, source));
        }
        for (NodeProto n : graph.getNodeList()) {
            for (String o : n.getOutputList()) {
                producer.put(o, n);
            }
            for (String i : n.getInputList()) {
                consumers.computeIfAbsent(i, k -> new ArrayList<>()).add(n);
            }
            if (n.getOpType().equals("Constant") && n.getOutputCount() > 0) {
                for (AttributeProto a : n.getAttributeList()) {
                    if (a.getName().equals("value") && a.hasT()) {
                        constants.put(n.getOutput(0), OnnxTensors.read(a.getT(), baseDir, source));
                    }
                }
            }
        }
    }

    /** Imports {@code source} (.onnx or a jar/zip holding one) into the checkpoint folder {@code out}. */
    public static Result importTo(Path source, Path out, Integer headsOverride) {
        if (!Files.isRegularFile(source)) {
            throw LinforgeException.badInput(source, "file", "no such file");
        }
        Path tokenizer = null;
        Path tmpTok = null;
        ModelProto model;
        Path baseDir = source.toAbsolutePath().getParent();
        String onnxName = source.getFileName().toString();
        try {
            if (isZip(source)) {
                try (ZipFile zip = new ZipFile(source.toFile())) {
                    List<ZipEntry> onnx = new ArrayList<>();
                    ZipEntry tok = null;
                    for (ZipEntry e : java.util.Collections.list(zip.entries())) {
                        if (e.getName().endsWith(".onnx")) {
                            onnx.add(e);
                        } else if (e.getName().endsWith("tokenizer.json")) {
                            tok = e;
                        }
                    }
                    if (onnx.size() != 1) {
                        throw LinforgeException.badInput(source, "entries", "expected exactly one .onnx file in the jar, found "
                                + onnx.size());
                    }
                    onnxName = onnx.get(0).getName();
                    try (InputStream in = zip.getInputStream(onnx.get(0))) {
                        model = parse(in, source + "!" + onnxName);
                    }
                    baseDir = null;
                    if (tok != null) {
                        tmpTok = Files.createTempFile("linforge-tokenizer", ".json");
                        try (InputStream in = zip.getInputStream(tok)) {
                            Files.copy(in, tmpTok, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                        }
                        tokenizer = tmpTok;
                    }
                }
            } else {
                try (InputStream in = Files.newInputStream(source)) {
                    model = parse(in, source);
                }
                Path t = baseDir.resolve("tokenizer.json");
                if (Files.isRegularFile(t)) {
                    tokenizer = t;
                }
            }
            if (GraphBuilder.PRODUCER.equals(model.getProducerName())) {
                throw LinforgeException.badInput(source, "producer_name", "a linforge export, whose weights are rewritten "
                        + "for inference (1/sqrt(d) folded into the query, key bias dropped, value bias folded into the "
                        + "output); import the checkpoint it was exported from instead");
            }
            OnnxImporter imp = new OnnxImporter(source, model, baseDir);
            Map<String, TensorData> tensors = imp.weights();
            ModelConfig config = imp.config(tensors, headsOverride);
            Checkpoint.save(out, config, tensors, tokenizer);
            return new Result(config, tensors, onnxName, tokenizer != null);
        } catch (IOException e) {
            throw LinforgeException.badInput(source, "file", "cannot read: " + e.getMessage());
        } finally {
            if (tmpTok != null) {
                try {
                    Files.deleteIfExists(tmpTok);
                } catch (IOException ignored) {
                    // temporary file
                }
            }
        }
    }

    private static boolean isZip(Path p) throws IOException {
        byte[] head = new byte[4];
        try (InputStream in = Files.newInputStream(p)) {
            return in.read(head) == 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;
        }
    }

    /** An ONNX file as a protobuf model (external data is not read); bad input names the file. */
    public static ModelProto read(Path file) {
        try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(file))) {
            return parse(in, file);
        } catch (IOException e) {
            throw LinforgeException.badInput(file, "file", "cannot read: " + e.getMessage());
        }
    }

    private static ModelProto parse(InputStream in, Object source) throws IOException {
        ModelProto m;
        try {
            m = ModelProto.parseFrom(in);
        } catch (InvalidProtocolBufferException e) {
            throw LinforgeException.badInput(source, "model", "not an ONNX model (" + e.getMessage() + ")");
        }
        if (!m.hasGraph() || m.getGraph().getNodeCount() == 0) {
            throw LinforgeException.badInput(source, "graph", "not an ONNX model (no graph)");
        }
        return m;
    }

    /** The Hugging Face name inside an initializer name, or null. */
    static String hfName(String name) {
        Matcher m = HF_NAME.matcher(name);
        return m.find() ? m.group(1) : null;
    }

    Map<String, TensorData> weights() {
        Map<String, TensorData> out = new HashMap<>();
        for (TensorProto t : graph.getInitializerList()) {
            String n = hfName(t.getName());
            if (n != null && !n.endsWith("position_ids")) {
                out.put(n, constants.get(t.getName()));
            }
        }
        for (NodeProto node : graph.getNodeList()) {
            boolean matmul = node.getOpType().equals("MatMul");
            boolean gemm = node.getOpType().equals("Gemm");
            if (!matmul && !gemm || node.getInputCount() < 2) {
                continue;
            }
            String w = node.getInput(1);
            boolean transposed = false;
            NodeProto p = producer.get(w);
            if (p != null && p.getOpType().equals("Transpose") && p.getInputCount() > 0 && constants.containsKey(p.getInput(0))) {
                w = p.getInput(0);
                transposed = true;
            }
            if (!constants.containsKey(w) || hfName(w) != null && !transposed) {
                continue;
            }
            String module = moduleOf(node);
            if (module == null) {
                continue;
            }
            TensorData t = constants.get(w);
            if (t.rank() != 2) {
                continue;
            }
            boolean inOut = !transposed;
            if (gemm) {
                inOut = !attr(node, "transB", 0L).equals(1L);
            }
            out.put(module + ".weight", inOut ? t.transpose2d() : t);
            if (gemm && node.getInputCount() > 2 && constants.containsKey(node.getInput(2))) {
                out.putIfAbsent(module + ".bias", constants.get(node.getInput(2)));
            }
        }
        for (String k : out.keySet()) {
            Matcher m = LAYER.matcher(k);
            if (m.find() && m.group(1).length() > 6) {
                throw LinforgeException.badInput(source, k, "layer index " + m.group(1) + " is out of range");
            }
        }
        if (!out.containsKey("embeddings.word_embeddings.weight")) {
            throw LinforgeException.badInput(source, "embeddings.word_embeddings.weight",
                    "not found: not a BERT-family graph");
        }
        Map<String, TensorData> ordered = new LinkedHashMap<>();
        out.keySet().stream().sorted(Comparator.comparing(OnnxImporter::orderKey)).forEach(k -> ordered.put(k, out.get(k)));
        return ordered;
    }

    /** Sort key: embeddings, then layers in numeric order, then pooler. */
    static String orderKey(String name) {
        Matcher m = LAYER.matcher(name);
        if (m.find()) {
            return String.format("1.%06d.%s", Integer.parseInt(m.group(1)), name);
        }
        return (name.startsWith("embeddings.") ? "0." : "2.") + name;
    }

    /** The module path of a MatMul/Gemm: from its node name, else from the bias Add that follows. */
    String moduleOf(NodeProto node) {
        Matcher m = NODE_MODULE.matcher(node.getName());
        if (m.find()) {
            return m.group(1).replace('/', '.');
        }
        if (node.getOutputCount() == 0) {
            return null;
        }
        for (NodeProto c : consumers.getOrDefault(node.getOutput(0), List.of())) {
            if (c.getOpType().equals("Add")) {
                for (String in : c.getInputList()) {
                    String n = hfName(in);
                    if (n != null && n.endsWith(".bias") && constants.containsKey(in)) {
                        return n.substring(0, n.length() - ".bias".length());
                    }
                }
            }
        }
        return null;
    }

    private static Object attr(NodeProto n, String name, Object dflt) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return switch (a.getType()) {
                    case INT -> a.getI();
                    case FLOAT -> (double) a.getF();
                    default -> dflt;
                };
            }
        }
        return dflt;
    }

    ModelConfig config(Map<String, TensorData> w, Integer headsOverride) {
        int[] word = matrix(w, "embeddings.word_embeddings.weight");
        int hidden = word[1];
        TreeSet<Integer> layerIds = new TreeSet<>();
        for (String n : w.keySet()) {
            Matcher m = LAYER.matcher(n);
            if (m.find()) {
                layerIds.add(Integer.parseInt(m.group(1)));
            }
        }
        int layers = layerIds.isEmpty() ? 0 : layerIds.last() + 1;
        if (layers == 0 || layerIds.size() != layers) {
            throw LinforgeException.badInput(source, "encoder.layer", "found layers " + layerIds + ", expected 0..N-1");
        }
        String[] perLayer = {"attention.self.query.weight", "attention.self.key.weight", "attention.self.value.weight",
            "attention.output.dense.weight", "attention.output.LayerNorm.weight", "intermediate.dense.weight",
            "output.dense.weight", "output.LayerNorm.weight"};
        for (int l = 0; l < layers; l++) {
            for (String s : perLayer) {
                shape(w, "encoder.layer." + l + "." + s);
            }
        }
        int intermediate = matrix(w, "encoder.layer.0.intermediate.dense.weight")[0];
        int heads = headsOverride != null ? headsOverride : heads(hidden);
        ModelConfig.Builder b = ModelConfig.builder("bert").architectures("BertModel")
                .set("vocab_size", word[0])
                .set("hidden_size", hidden)
                .set("num_hidden_layers", layers)
                .set("num_attention_heads", heads)
                .set("intermediate_size", intermediate)
                .set("max_position_embeddings", matrix(w, "embeddings.position_embeddings.weight")[0])
                .set("type_vocab_size", w.containsKey("embeddings.token_type_embeddings.weight")
                        ? matrix(w, "embeddings.token_type_embeddings.weight")[0] : 2)
                .set("hidden_act", activation())
                .set("layer_norm_eps", epsilon())
                .set("pad_token_id", 0)
                .set("hidden_dropout_prob", 0.1)
                .set("attention_probs_dropout_prob", 0.1)
                .set("position_embedding_type", "absolute");
        return b.build();
    }

    private long[] shape(Map<String, TensorData> w, String name) {
        TensorData t = w.get(name);
        if (t == null) {
            throw LinforgeException.badInput(source, name, "not found in the graph");
        }
        return t.shape();
    }

    /** The shape of a matrix the config is read from: rank 2, each dimension in [1, 2^31). */
    private int[] matrix(Map<String, TensorData> w, String name) {
        long[] s = shape(w, name);
        if (s.length != 2 || s[0] < 1 || s[1] < 1 || s[0] > Integer.MAX_VALUE || s[1] > Integer.MAX_VALUE) {
            throw LinforgeException.badInput(source, name, "shape " + java.util.Arrays.toString(s)
                    + " is not a matrix [rows, columns] of at least one element");
        }
        return new int[] {(int) s[0], (int) s[1]};
    }

    /**
     * Heads from the first self-attention Reshape: the constant pair (heads, head_dim) whose
     * product is hidden, or (-1, head_dim) at the end of the shape.
     */
    int heads(int hidden) {
        for (NodeProto n : graph.getNodeList()) {
            if (!n.getOpType().equals("Reshape") || !n.getName().contains("attention/self/Reshape") || n.getInputCount() < 2) {
                continue;
            }
            List<Long> values = new ArrayList<>();
            String shapeIn = n.getInput(1);
            if (constants.containsKey(shapeIn)) {
                if (!isIndex(constants.get(shapeIn))) {
                    continue;
                }
                for (long v : constants.get(shapeIn).toLongs()) {
                    values.add(v);
                }
            } else {
                NodeProto c = producer.get(shapeIn);
                if (c == null || !c.getOpType().equals("Concat")) {
                    continue;
                }
                for (String in : c.getInputList()) {
                    TensorData t = constants.get(in);
                    if (t == null) {
                        NodeProto u = producer.get(in);
                        if (u != null && u.getOpType().equals("Unsqueeze") && u.getInputCount() > 0) {
                            t = constants.get(u.getInput(0));
                        }
                    }
                    if (t != null && t.numel() == 1 && isIndex(t)) {
                        values.add(t.toLongs()[0]);
                    } else {
                        values.add(-1L);
                    }
                }
            }
            for (int i = 0; i + 1 < values.size(); i++) {
                long h = values.get(i);
                long d = values.get(i + 1);
                if (h > 0 && d > 0 && h * d == hidden) {
                    return (int) h;
                }
                // view(batch, seq, -1, head_dim)
                if (h == -1 && d > 0 && hidden % d == 0 && i == values.size() - 2) {
                    return (int) (hidden / d);
                }
            }
        }
        throw LinforgeException.badInput(source, "num_attention_heads",
                "cannot be read off the attention Reshape; pass --heads");
    }

    /** Whether {@code t} holds int64 or int32 values (a shape or an index). */
    private static boolean isIndex(TensorData t) {
        return t.dtype() == DType.I64 || t.dtype() == DType.I32;
    }

    String activation() {
        boolean erf = false;
        boolean tanh = false;
        for (NodeProto n : graph.getNodeList()) {
            if (n.getName().contains("intermediate")) {
                erf |= n.getOpType().equals("Erf");
                tanh |= n.getOpType().equals("Tanh");
            }
        }
        if (erf) {
            return "gelu";
        }
        return tanh ? "gelu_new" : "gelu";
    }

    /** The LayerNorm epsilon: an attribute, or the constant added to the variance before Sqrt. */
    double epsilon() {
        for (NodeProto n : graph.getNodeList()) {
            if (n.getOpType().equals("LayerNormalization")) {
                Object e = attr(n, "epsilon", 1e-5);
                return roundEps(((Number) e).doubleValue());
            }
        }
        for (NodeProto n : graph.getNodeList()) {
            if (!n.getOpType().equals("Sqrt") || n.getInputCount() == 0) {
                continue;
            }
            NodeProto add = producer.get(n.getInput(0));
            if (add == null || !add.getOpType().equals("Add")) {
                continue;
            }
            for (String in : add.getInputList()) {
                TensorData t = constants.get(in);
                if (t != null && t.numel() == 1 && t.dtype().isFloating()) {
                    return roundEps(t.toFloats()[0]);
                }
            }
        }
        return 1e-12;
    }

    /** fp32 epsilons like 9.99999996e-13 back to the decimal the config had (1e-12). */
    static double roundEps(double e) {
        return Double.parseDouble(String.format("%.6g", e));
    }

}
