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
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A LoRA adapter in the Hugging Face PEFT layout ({@code adapter_config.json} +
 * {@code adapter_model.safetensors}): per module its A [r, in], B [out, r] and scaling (alpha/r,
 * or alpha/√r with rsLoRA, with {@code rank_pattern}/{@code alpha_pattern} overrides), the tensors
 * of its {@link LoraVariant} (DoRA's magnitude), plus the full tensors it carries
 * ({@code modules_to_save}, trained biases). Read for merging, written by the trainer.
 */
public final class LoraAdapter implements Adapter {
    public static final String CONFIG = "adapter_config.json";
    public static final String WEIGHTS = "adapter_model.safetensors";
    private static final String ROOT = "base_model.model.";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * One adapted module: its path in the model, factors, scaling, and its variant (null for plain
     * LoRA) with that variant's tensors by leaf.
     */
    public record Module(String name, TensorData a, TensorData b, double scaling, LoraVariant variant,
            Map<String, TensorData> extra) {
        public Module(String name, TensorData a, TensorData b, double scaling) {
            this(name, a, b, scaling, null, Map.of());
        }

        public int out() {
            return (int) b.shape()[0];
        }

        public int in() {
            return (int) a.shape()[1];
        }

        /**
         * The adapted weight [out, in] (row-major) from the base weight: {@code W + s·B·A}, or the
         * variant's fold; {@code file} is named when a variant tensor does not fit.
         */
        public float[] fold(float[] weight, Path file) {
            float[] d = delta(this);
            return variant == null ? Adapter.add(weight, d) : variant.fold(weight, d, out(), in(), extra, file, ROOT + name);
        }
    }

    /**
     * The settings {@code adapter_config.json} records for a trained adapter: rank, alpha, dropout, rsLoRA,
     * the target list, the modules saved whole, PEFT's task type, the base checkpoint and the variant
     * (null for plain LoRA).
     */
    public record Settings(int r, double alpha, double dropout, boolean rslora, List<String> targets,
            List<String> modulesToSave, String taskType, String baseModel, LoraVariant variant) {
    }

    private final Path dir;
    private final boolean fanInFanOut;
    private final Map<String, Module> modules;
    private final Map<String, TensorData> full;
    private final JsonNode targets;
    private final Settings settings;

    private LoraAdapter(Path dir, boolean fanInFanOut, Map<String, Module> modules, Map<String, TensorData> full,
            JsonNode targets, Settings settings) {
        this.dir = dir;
        this.fanInFanOut = fanInFanOut;
        this.modules = modules;
        this.full = full;
        this.targets = targets;
        this.settings = settings;
    }

    /** A trained adapter to {@link #save}: modules by their name in the Hugging Face model, whole tensors likewise. */
    public static LoraAdapter of(Settings s, List<Module> modules, Map<String, TensorData> full) {
        Map<String, Module> m = new LinkedHashMap<>();
        modules.forEach(x -> m.put(x.name(), x));
        return new LoraAdapter(null, false, m, full, JSON.valueToTree(s.targets()), s);
    }

    /** Writes {@code adapter_model.safetensors} and {@code adapter_config.json} (keys sorted, as PEFT writes it). */
    @Override
    public void save(Path out) throws IOException {
        if (settings == null) {
            throw new IllegalStateException("an adapter read from " + dir + " is merged, not saved");
        }
        Map<String, TensorData> t = new LinkedHashMap<>();
        for (Module m : modules.values()) {
            t.put(ROOT + m.name() + ".lora_A.weight", m.a());
            t.put(ROOT + m.name() + ".lora_B.weight", m.b());
            m.extra().forEach((leaf, v) -> t.put(ROOT + m.name() + "." + leaf, v));
        }
        full.forEach((k, v) -> t.put(ROOT + k, v));
        Safetensors.write(out.resolve(WEIGHTS), t, Map.of("format", "pt"));
        Settings s = settings;
        java.util.TreeMap<String, Object> cfg = new java.util.TreeMap<>();
        cfg.put("alpha_pattern", Map.of());
        cfg.put("base_model_name_or_path", s.baseModel());
        cfg.put("bias", "none");
        cfg.put("fan_in_fan_out", false);
        cfg.put("inference_mode", true);
        cfg.put("init_lora_weights", true);
        cfg.put("lora_alpha", s.alpha());
        cfg.put("lora_dropout", s.dropout());
        cfg.put("modules_to_save", s.modulesToSave());
        cfg.put("peft_type", "LORA");
        cfg.put("r", s.r());
        cfg.put("rank_pattern", Map.of());
        cfg.put("target_modules", s.targets());
        cfg.put("task_type", s.taskType());
        cfg.put("use_rslora", s.rslora());
        if (s.variant() != null) {
            cfg.put(s.variant().flag(), true);
        }
        ObjectNode node = PRETTY.valueToTree(cfg);
        AtomicFiles.writeString(out.resolve(CONFIG), PRETTY.writeValueAsString(node) + "\n");
    }

    public static boolean isLora(Path dir) {
        return Files.isRegularFile(dir.resolve(CONFIG));
    }

    public static LoraAdapter read(Path dir) {
        Path cfgFile = dir.resolve(CONFIG);
        Path weights = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(cfgFile)) {
            throw LinforgeException.badInput(cfgFile, "file", "missing (not a PEFT adapter folder)");
        }
        JsonNode cfg;
        try {
            cfg = JSON.readTree(cfgFile.toFile());
        } catch (IOException e) {
            throw LinforgeException.badInput(cfgFile, "json", "malformed: " + e.getMessage().split("\n")[0]);
        }
        String type = cfg.path("peft_type").asText("");
        if (!type.equals("LORA")) {
            throw LinforgeException.badInput(cfgFile, "peft_type", "expected LORA, got '" + type + "'");
        }
        LoraVariant variant = null;
        for (LoraVariant v : LoraVariant.ALL) {
            if (cfg.path(v.flag()).asBoolean(false)) {
                variant = v;
            }
        }
        int r = cfg.path("r").asInt(8);
        double alpha = cfg.path("lora_alpha").asDouble(8);
        boolean rs = cfg.path("use_rslora").asBoolean(false);
        boolean fifo = cfg.path("fan_in_fan_out").asBoolean(false);
        Map<String, Integer> rankPattern = intMap(cfg.path("rank_pattern"));
        Map<String, Double> alphaPattern = doubleMap(cfg.path("alpha_pattern"));
        if (!Files.isRegularFile(weights)) {
            throw LinforgeException.badInput(weights, "file", "missing");
        }
        Map<String, TensorData> tensors = Safetensors.readAll(weights);
        Map<String, TensorData> as = new LinkedHashMap<>();
        Map<String, TensorData> bs = new LinkedHashMap<>();
        Map<String, TensorData> full = new LinkedHashMap<>();
        Map<String, Map<String, TensorData>> extra = new LinkedHashMap<>();
        List<String> leaves = variant == null ? List.of() : variant.leaves();
        tensors:
        for (Map.Entry<String, TensorData> e : tensors.entrySet()) {
            String k = e.getKey();
            if (!k.startsWith(ROOT)) {
                throw LinforgeException.badInput(weights, k, "key does not start with '" + ROOT + "'");
            }
            String rest = k.substring(ROOT.length());
            for (String leaf : leaves) {
                if (rest.endsWith("." + leaf)) {
                    extra.computeIfAbsent(rest.substring(0, rest.length() - leaf.length() - 1), x -> new LinkedHashMap<>())
                            .put(leaf, e.getValue());
                    continue tensors;
                }
            }
            if (rest.endsWith(".lora_A.weight")) {
                as.put(rest.substring(0, rest.length() - ".lora_A.weight".length()), e.getValue());
            } else if (rest.endsWith(".lora_B.weight")) {
                bs.put(rest.substring(0, rest.length() - ".lora_B.weight".length()), e.getValue());
            } else if (rest.contains(".lora_")) {
                throw LinforgeException.badInput(weights, k, "unsupported LoRA tensor (only lora_A/lora_B weights)");
            } else {
                full.put(rest.replace(".base_layer.", "."), e.getValue());
            }
        }
        Map<String, Module> modules = new LinkedHashMap<>();
        for (Map.Entry<String, TensorData> e : as.entrySet()) {
            String name = e.getKey();
            TensorData a = e.getValue();
            TensorData b = bs.get(name);
            if (b == null) {
                throw LinforgeException.badInput(weights, ROOT + name + ".lora_B.weight", "missing (lora_A present)");
            }
            long[] sa = a.shape();
            long[] sb = b.shape();
            if (sa.length != 2 || sb.length != 2 || sa[0] != sb[1]) {
                throw LinforgeException.badInput(weights, ROOT + name + ".lora_B.weight",
                        "shapes " + java.util.Arrays.toString(sa) + " and " + java.util.Arrays.toString(sb)
                                + " are not [r, in] and [out, r]");
            }
            int rank = pattern(rankPattern, name, r);
            double al = pattern(alphaPattern, name, alpha);
            if (rank != sa[0]) {
                throw LinforgeException.badInput(cfgFile, "r", "rank " + rank + " does not match lora_A of '" + name
                        + "' (" + sa[0] + ")");
            }
            double scaling = rs ? al / Math.sqrt(rank) : al / rank;
            if (!Double.isFinite(scaling)) {
                throw LinforgeException.badInput(cfgFile, "lora_alpha", "scaling " + scaling + " of '" + name
                        + "' is not a finite number");
            }
            modules.put(name, new Module(name, a, b, scaling, variant, extra.getOrDefault(name, Map.of())));
        }
        for (String name : extra.keySet()) {
            if (!as.containsKey(name)) {
                throw LinforgeException.badInput(weights, ROOT + name + ".lora_A.weight", "missing ("
                        + extra.get(name).keySet().iterator().next() + " present)");
            }
        }
        for (String name : bs.keySet()) {
            if (!as.containsKey(name)) {
                throw LinforgeException.badInput(weights, ROOT + name + ".lora_A.weight", "missing (lora_B present)");
            }
        }
        if (modules.isEmpty()) {
            throw LinforgeException.badInput(weights, ROOT + "<module>.lora_A.weight", "the adapter has no LoRA tensors"
                    + " (lora_A/lora_B): nothing to merge");
        }
        return new LoraAdapter(dir, fifo, modules, full, cfg.path("target_modules"), null);
    }

    /** PEFT pattern semantics: a key matches when it equals the module name, ends with "." + key, or fully matches as a regex. */
    static <T> T pattern(Map<String, T> patterns, String module, T dflt) {
        for (Map.Entry<String, T> e : patterns.entrySet()) {
            String k = e.getKey();
            if (module.equals(k) || module.endsWith("." + k)) {
                return e.getValue();
            }
            try {
                if (Pattern.compile("(.*\\.)?" + k).matcher(module).matches()) {
                    return e.getValue();
                }
            } catch (java.util.regex.PatternSyntaxException ignored) {
                // not a regex: only the literal forms apply
            }
        }
        return dflt;
    }

    /**
     * Whether {@code target_modules} names at least one of {@code moduleNames} with PEFT's matching: a
     * list entry equals a module name or ends it after a dot; a string is a regex the whole name
     * (with or without the {@code bert.}/{@code roberta.} prefix of a bare encoder) matches. True
     * when the config has no list ({@code all-linear}, absent).
     */
    @Override
    public void checkTargets(java.util.Collection<String> baseModules) {
        if (!targetsAnyOf(baseModules)) {
            throw LinforgeException.badInput(dir.resolve(CONFIG), "target_modules", targets + " names no module of the base"
                    + " checkpoint");
        }
    }

    public boolean targetsAnyOf(java.util.Collection<String> moduleNames) {
        if (targets.isArray()) {
            for (JsonNode t : targets) {
                String k = t.asText();
                if (moduleNames.stream().anyMatch(m -> m.equals(k) || m.endsWith("." + k))) {
                    return true;
                }
            }
            return false;
        }
        if (!targets.isTextual() || targets.asText().equals("all-linear")) {
            return true;
        }
        Pattern p;
        try {
            p = Pattern.compile(targets.asText());
        } catch (java.util.regex.PatternSyntaxException e) {
            throw LinforgeException.badInput(dir.resolve(CONFIG), "target_modules", "not a regular expression: "
                    + e.getDescription());
        }
        return moduleNames.stream().anyMatch(m -> p.matcher(m).matches() || p.matcher("bert." + m).matches()
                || p.matcher("roberta." + m).matches());
    }

    public JsonNode targetModules() {
        return targets;
    }

    private static Map<String, Integer> intMap(JsonNode n) {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            m.put(e.getKey(), e.getValue().asInt());
        }
        return m;
    }

    private static Map<String, Double> doubleMap(JsonNode n) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            m.put(e.getKey(), e.getValue().asDouble());
        }
        return m;
    }

    public Path dir() {
        return dir;
    }

    public boolean fanInFanOut() {
        return fanInFanOut;
    }

    public Map<String, Module> modules() {
        return modules;
    }

    /** Tensors stored whole (classifier heads, biases), by their name in the model. */
    @Override
    public Map<String, TensorData> fullTensors() {
        return full;
    }

    @Override
    public Path weightsFile() {
        return dir == null ? null : dir.resolve(WEIGHTS);
    }

    @Override
    public String fileKey(String tensorName) {
        return ROOT + tensorName;
    }

    @Override
    public List<Adapter.Delta> deltas() {
        List<Adapter.Delta> d = new ArrayList<>();
        for (Module m : modules.values()) {
            long[] shape = fanInFanOut ? new long[] {m.in(), m.out()} : new long[] {m.out(), m.in()};
            d.add(new Adapter.Change(m.name(), shape, w -> {
                if (!fanInFanOut) {
                    return m.fold(w, weightsFile());
                }
                float[] r = m.fold(TensorData.ofFloats(shape, w).transpose2d().toFloats(), weightsFile());
                return TensorData.ofFloats(new long[] {m.out(), m.in()}, r).transpose2d().toFloats();
            }, key -> LinforgeException.badInput(weightsFile(), ROOT + m.name() + ".lora_A.weight",
                    "the base checkpoint has no '" + key + "'"),
                    base -> LinforgeException.badInput(weightsFile(), ROOT + m.name(), "adapter shape "
                            + java.util.Arrays.toString(shape) + " does not match the base weight "
                            + java.util.Arrays.toString(base)),
                    ROOT + m.name() + " (scaling " + m.scaling() + ")"));
        }
        return d;
    }

    /** ΔW = B·A·scaling as an fp32 [out, in] array (row-major), accumulated in double. */
    public static float[] delta(Module m) {
        float[] a = m.a().toFloats();
        float[] b = m.b().toFloats();
        int r = (int) m.a().shape()[0];
        int in = (int) m.a().shape()[1];
        int out = (int) m.b().shape()[0];
        float[] d = new float[out * in];
        double[] row = new double[in];
        for (int o = 0; o < out; o++) {
            java.util.Arrays.fill(row, 0);
            for (int k = 0; k < r; k++) {
                double bv = b[o * r + k];
                if (bv == 0) {
                    continue;
                }
                int base = k * in;
                for (int i = 0; i < in; i++) {
                    row[i] += bv * a[base + i];
                }
            }
            for (int i = 0; i < in; i++) {
                d[o * in + i] = (float) (row[i] * m.scaling());
            }
        }
        return d;
    }

    static List<String> names(Map<String, ?> m) {
        return new ArrayList<>(m.keySet());
    }
}
