package io.linforge.core.adapter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.core.LinforgeException;
import io.linforge.core.checkpoint.Safetensors;
import io.linforge.core.io.AtomicFiles;
import io.linforge.core.tensor.TensorData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A SparseGrad adapter folder: what a SparseGrad run changed, stored in the basis it trained in.
 *
 * <pre>
 * sparsegrad_config.json        {"adapter_type": "SPARSEGRAD", "variant": "paper"|"hosvd",
 *                                "modules": {"&lt;module&gt;": {"layer_type": T, "shape": [out, in]}}, ...}
 * sparsegrad_model.safetensors  bases.&lt;T&gt;.P            F32 [out, out]  output-side basis (orthogonal)
 *                               bases.&lt;T&gt;.Q            F32 [in, in]    input-side basis (orthogonal)
 *                               &lt;module&gt;.delta.indices I64 [n]   flat row-major indices into [out, in]
 *                               &lt;module&gt;.delta.values  F32 [n]   the rotated weight change D at them
 *                               &lt;parameter name&gt;       whole tensors trained densely (biases, heads)
 * </pre>
 *
 * The dense change of a module's weight is {@code ΔW = P·D·Q} for the paper variant (the layer
 * computed {@code y = (x·Qᵀ)·W̃ᵀ·Pᵀ + b}) and {@code ΔW = P·D·Qᵀ} for the HOSVD-consistent one
 * ({@code y = (x·Q)·W̃ᵀ·Pᵀ + b}).
 */
public final class SparseGradDelta implements Adapter {
    public static final String CONFIG = "sparsegrad_config.json";
    public static final String WEIGHTS = "sparsegrad_model.safetensors";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** One module's sparse change in the rotated basis. */
    public record Module(String name, String layerType, int out, int in, long[] indices, float[] values) {
    }

    private final String variant;
    private final Map<String, float[][]> bases;
    private final Map<String, Module> modules;
    private final Map<String, TensorData> fullTensors;
    private final Path dir;
    private final ObjectNode extraConfig;

    /** A trained change to {@link #save}; {@code extraConfig} adds fields to the config (null: none). */
    public SparseGradDelta(String variant, Map<String, float[][]> bases, Map<String, Module> modules,
            Map<String, TensorData> fullTensors, ObjectNode extraConfig) {
        this(variant, bases, modules, fullTensors, null, extraConfig);
    }

    private SparseGradDelta(String variant, Map<String, float[][]> bases, Map<String, Module> modules,
            Map<String, TensorData> fullTensors, Path dir, ObjectNode extraConfig) {
        this.variant = variant;
        this.bases = bases;
        this.modules = modules;
        this.fullTensors = fullTensors;
        this.dir = dir;
        this.extraConfig = extraConfig;
    }

    public static boolean isSparseGrad(Path dir) {
        return Files.isRegularFile(dir.resolve(CONFIG));
    }

    public String variant() {
        return variant;
    }

    public Map<String, Module> modules() {
        return modules;
    }

    @Override
    public Map<String, TensorData> fullTensors() {
        return fullTensors;
    }

    @Override
    public Path weightsFile() {
        return dir == null ? null : dir.resolve(WEIGHTS);
    }

    @Override
    public String fileKey(String tensorName) {
        return tensorName;
    }

    /** Each module's weight gains its dense change (P·D·Q or P·D·Qᵀ). */
    @Override
    public List<Adapter.Delta> deltas() {
        List<Adapter.Delta> d = new ArrayList<>();
        for (Module m : modules.values()) {
            d.add(new Adapter.Change(m.name(), new long[] {m.out(), m.in()}, w -> Adapter.add(w, denseDelta(m)),
                    key -> LinforgeException.badInput(weightsFile(), m.name() + ".delta.values",
                            "the base checkpoint has no '" + key + "'"),
                    base -> LinforgeException.badInput(dir.resolve(CONFIG), "modules." + m.name() + ".shape",
                            "[" + m.out() + ", " + m.in() + "] does not match the base weight " + Arrays.toString(base)),
                    m.name() + ".delta"));
        }
        return d;
    }

    @Override
    public void save(Path dir) throws IOException {
        writeTo(dir, extraConfig);
    }

    /** Bases of a layer type: {P [out·out], Q [in·in]} row-major. */
    public float[][] bases(String layerType) {
        return bases.get(layerType);
    }

    /** Writes the two files into {@code dir} (a temporary folder that is published by the caller). */
    public void writeTo(Path dir, ObjectNode extraConfig) throws IOException {
        Map<String, TensorData> t = new LinkedHashMap<>();
        ObjectNode cfg = JSON.createObjectNode();
        cfg.put("adapter_type", "SPARSEGRAD");
        cfg.put("variant", variant);
        if (extraConfig != null) {
            extraConfig.fields().forEachRemaining(e -> cfg.set(e.getKey(), e.getValue()));
        }
        ObjectNode mods = cfg.putObject("modules");
        for (Map.Entry<String, float[][]> e : bases.entrySet()) {
            float[] p = e.getValue()[0];
            float[] q = e.getValue()[1];
            int o = (int) Math.round(Math.sqrt(p.length));
            int i = (int) Math.round(Math.sqrt(q.length));
            t.put("bases." + e.getKey() + ".P", TensorData.ofFloats(new long[] {o, o}, p));
            t.put("bases." + e.getKey() + ".Q", TensorData.ofFloats(new long[] {i, i}, q));
        }
        for (Module m : modules.values()) {
            ObjectNode mo = mods.putObject(m.name());
            mo.put("layer_type", m.layerType());
            mo.putArray("shape").add(m.out()).add(m.in());
            mo.put("entries", m.indices().length);
            t.put(m.name() + ".delta.indices", TensorData.ofLongs(new long[] {m.indices().length}, m.indices()));
            t.put(m.name() + ".delta.values", TensorData.ofFloats(new long[] {m.values().length}, m.values()));
        }
        t.putAll(fullTensors);
        Safetensors.write(dir.resolve(WEIGHTS), t, Map.of("format", "pt"));
        AtomicFiles.writeString(dir.resolve(CONFIG), JSON.writeValueAsString(cfg) + "\n");
    }

    /** Reads an adapter folder; exit 2 naming the file and field when it is malformed. */
    public static SparseGradDelta read(Path dir) {
        Path cfgFile = dir.resolve(CONFIG);
        JsonNode cfg;
        try {
            cfg = JSON.readTree(cfgFile.toFile());
        } catch (IOException e) {
            throw LinforgeException.badInput(cfgFile, "json", "unreadable: " + e.getMessage().split("\n")[0]);
        }
        String variant = cfg.path("variant").asText("");
        if (!variant.equals("paper") && !variant.equals("hosvd")) {
            throw LinforgeException.badInput(cfgFile, "variant", "expected paper or hosvd, got '" + variant + "'");
        }
        Path wFile = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(wFile)) {
            throw LinforgeException.badInput(wFile, "file", "missing");
        }
        Map<String, TensorData> t = new LinkedHashMap<>(Safetensors.readAll(wFile));
        Map<String, float[][]> bases = new LinkedHashMap<>();
        Map<String, Module> modules = new LinkedHashMap<>();
        JsonNode mods = cfg.path("modules");
        if (!mods.isObject()) {
            throw LinforgeException.badInput(cfgFile, "modules", "missing");
        }
        var it = mods.fields();
        while (it.hasNext()) {
            var e = it.next();
            String name = e.getKey();
            String type = e.getValue().path("layer_type").asText("");
            JsonNode shape = e.getValue().path("shape");
            if (type.isEmpty() || !shape.isArray() || shape.size() != 2) {
                throw LinforgeException.badInput(cfgFile, "modules." + name, "needs layer_type and shape [out, in]");
            }
            int out = shape.get(0).asInt();
            int in = shape.get(1).asInt();
            if (!bases.containsKey(type)) {
                TensorData p = take(t, wFile, "bases." + type + ".P", (long) out * out);
                TensorData q = take(t, wFile, "bases." + type + ".Q", (long) in * in);
                bases.put(type, new float[][] {p.toFloats(), q.toFloats()});
            }
            TensorData idx = take(t, wFile, name + ".delta.indices", -1);
            TensorData val = take(t, wFile, name + ".delta.values", idx.numel());
            long[] ix = idx.toLongs();
            for (long k : ix) {
                if (k < 0 || k >= (long) out * in) {
                    throw LinforgeException.badInput(wFile, name + ".delta.indices", "index " + k + " outside [0, " + (long) out * in + ")");
                }
            }
            modules.put(name, new Module(name, type, out, in, ix, val.toFloats()));
        }
        t.keySet().removeIf(k -> k.startsWith("bases."));
        return new SparseGradDelta(variant, bases, modules, t, dir, null);
    }

    private static TensorData take(Map<String, TensorData> t, Path file, String key, long numel) {
        TensorData v = t.remove(key);
        if (v == null) {
            throw LinforgeException.badInput(file, key, "missing");
        }
        if (numel >= 0 && v.numel() != numel) {
            throw LinforgeException.badInput(file, key, "has " + v.numel() + " values, expected " + numel);
        }
        return v;
    }

    /** The dense weight change of {@code m} [out·in] row-major (P·D·Q or P·D·Qᵀ). */
    public float[] denseDelta(Module m) {
        float[][] pq = bases.get(m.layerType());
        float[] p = pq[0];
        float[] q = pq[1];
        int o = m.out();
        int in = m.in();
        // M = P·D: column c of M gains v·P[:, r] for each entry (r, c, v)
        double[] pd = new double[o * in];
        for (int k = 0; k < m.indices().length; k++) {
            int r = (int) (m.indices()[k] / in);
            int c = (int) (m.indices()[k] % in);
            double v = m.values()[k];
            for (int a = 0; a < o; a++) {
                pd[a * in + c] += p[a * o + r] * v;
            }
        }
        boolean transposeQ = variant.equals("hosvd");
        float[] out = new float[o * in];
        double[] row = new double[in];
        for (int a = 0; a < o; a++) {
            java.util.Arrays.fill(row, 0);
            for (int c = 0; c < in; c++) {
                double x = pd[a * in + c];
                if (x == 0) {
                    continue;
                }
                for (int j = 0; j < in; j++) {
                    row[j] += x * (transposeQ ? q[j * in + c] : q[c * in + j]);
                }
            }
            for (int j = 0; j < in; j++) {
                out[a * in + j] = (float) row[j];
            }
        }
        return out;
    }
}
