package io.linforge.cli.recipe;

import io.linforge.core.LinforgeException;
import io.linforge.cli.recipe.StageSchema.Type;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * A recipe: an ordered list of stages with their options, read from YAML and checked against
 * {@link StageSchema}. Every error names the file, the line and the field.
 *
 * <pre>
 * name: quickstart
 * stages:
 *   - stage: import
 *     with: {onnx: ${bundled}}
 *   - stage: train
 *     with: {model: ${import}, data: data/spam-small.jsonl, method: lora, steps: 100}
 * </pre>
 *
 * Values may reference {@code ${stage-name}} (that stage's output folder), {@code ${recipe_dir}},
 * {@code ${root}} (the linforge installation) and {@code ${bundled}} (the bundled MiniLM jar).
 * Relative paths are relative to the recipe's folder.
 */
public final class Recipe {
    private static final Pattern REF = Pattern.compile("\\$\\{([A-Za-z0-9_.:-]+)}");
    /** Integers as written in decimal; YAML 1.1's other notations are refused rather than guessed. */
    private static final Pattern DECIMAL_INT = Pattern.compile("[-+]?(0|[1-9][0-9_]*)");
    private static final Pattern DECIMAL_FLOAT = Pattern.compile("[-+]?(\\.[0-9]+|[0-9][0-9_]*(\\.[0-9_]*)?)([eE][-+]?[0-9]+)?");
    private static final Set<String> TOP_KEYS = Set.of("name", "description", "stages");
    private static final Set<String> STAGE_KEYS = Set.of("stage", "name", "with");

    /** One option value after checking: the raw YAML value (String, Long, Double, Boolean or List). */
    public record Value(Type type, Object value, int line) {
    }

    /** One stage of the recipe. */
    public record StageSpec(String name, String type, Map<String, Value> options, int line) {
    }

    private final Path file;
    private final String name;
    private final String description;
    private final List<StageSpec> stages;
    private final String text;

    private Recipe(Path file, String name, String description, List<StageSpec> stages, String text) {
        this.file = file;
        this.name = name;
        this.description = description;
        this.stages = stages;
        this.text = text;
    }

    public Path file() {
        return file;
    }

    public Path dir() {
        Path parent = file.toAbsolutePath().getParent();
        return parent == null ? Path.of(".").toAbsolutePath() : parent;
    }

    public String name() {
        return name;
    }

    public String description() {
        return description;
    }

    public List<StageSpec> stages() {
        return stages;
    }

    public String text() {
        return text;
    }

    public static Recipe read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw LinforgeException.badInput(file, "file", "no such recipe");
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw LinforgeException.badInput(file, "file", "cannot read: " + e.getMessage());
        }
        Node root;
        try (Reader r = new java.io.StringReader(text)) {
            LoaderOptions lo = new LoaderOptions();
            lo.setAllowDuplicateKeys(false);
            root = new Yaml(lo).compose(r);
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() == null ? 0 : e.getProblemMark().getLine() + 1;
            throw LinforgeException.badInput(file + ":" + line, "yaml", oneLine(e.getProblem()));
        } catch (YAMLException | IOException e) {
            throw LinforgeException.badInput(file, "yaml", oneLine(e.getMessage()));
        }
        return new Parser(file, text).parse(root);
    }

    private static String oneLine(String s) {
        return s == null ? "malformed" : s.replaceAll("\\s+", " ").trim();
    }

    private static final class Parser {
        private final Path file;
        private final String text;

        Parser(Path file, String text) {
            this.file = file;
            this.text = text;
        }

        LinforgeException error(Node node, String field, String reason) {
            int line = node == null ? 0 : node.getStartMark().getLine() + 1;
            return LinforgeException.badInput(file + ":" + line, field, reason);
        }

        Recipe parse(Node root) {
            if (!(root instanceof MappingNode top)) {
                throw error(root, "recipe", "expected a mapping with 'stages'");
            }
            String name = null;
            String description = "";
            SequenceNode stagesNode = null;
            for (NodeTuple t : top.getValue()) {
                String key = key(t, "");
                Node v = t.getValueNode();
                switch (key) {
                    case "name" -> name = string(v, "name");
                    case "description" -> description = string(v, "description");
                    case "stages" -> {
                        if (!(v instanceof SequenceNode seq)) {
                            throw error(v, "stages", "expected a list of stages");
                        }
                        stagesNode = seq;
                    }
                    default -> throw error(t.getKeyNode(), key, "unknown key (expected one of " + TOP_KEYS + ")");
                }
            }
            if (stagesNode == null || stagesNode.getValue().isEmpty()) {
                throw error(top, "stages", "missing or empty");
            }
            List<StageSpec> stages = new ArrayList<>();
            Set<String> names = new LinkedHashSet<>();
            int i = 0;
            for (Node s : stagesNode.getValue()) {
                StageSpec spec = stage(s, "stages[" + i + "]", names);
                names.add(spec.name());
                stages.add(spec);
                i++;
            }
            if (name == null) {
                String f = file.getFileName().toString();
                name = f.replaceFirst("\\.ya?ml$", "");
            }
            return new Recipe(file, name, description, List.copyOf(stages), text);
        }

        StageSpec stage(Node s, String where, Set<String> earlier) {
            if (!(s instanceof MappingNode m)) {
                throw error(s, where, "expected a mapping with 'stage' and 'with'");
            }
            String type = null;
            String name = null;
            MappingNode with = null;
            for (NodeTuple t : m.getValue()) {
                String key = key(t, where + ".");
                Node v = t.getValueNode();
                switch (key) {
                    case "stage" -> type = string(v, where + ".stage");
                    case "name" -> name = string(v, where + ".name");
                    case "with" -> {
                        if (v instanceof ScalarNode sc && sc.getTag().equals(Tag.NULL)) {
                            with = null;
                        } else if (v instanceof MappingNode wm) {
                            with = wm;
                        } else {
                            throw error(v, where + ".with", "expected a mapping of options");
                        }
                    }
                    default -> throw error(t.getKeyNode(), where + "." + key,
                            "unknown key (expected one of " + STAGE_KEYS + ")");
                }
            }
            if (type == null) {
                throw error(s, where + ".stage", "missing (one of " + StageSchema.types() + ")");
            }
            StageSchema.Stage schema = StageSchema.get(type);
            if (schema == null) {
                throw error(s, where + ".stage", "unknown stage '" + type + "' (one of " + StageSchema.types() + ")");
            }
            if (name == null) {
                name = type;
                for (int k = 2; earlier.contains(name); k++) {
                    name = type + "-" + k;
                }
            }
            if (!name.matches("[A-Za-z0-9_-]+")) {
                throw error(s, where + ".name", "use letters, digits, '-' and '_' only");
            }
            if (earlier.contains(name)) {
                throw error(s, where + ".name", "duplicate stage name '" + name + "'");
            }
            Map<String, Value> options = new LinkedHashMap<>();
            if (with != null) {
                for (NodeTuple t : with.getValue()) {
                    String key = key(t, where + ".with.");
                    String field = where + ".with." + key;
                    Type ty = schema.options().get(key);
                    if (ty == null) {
                        throw error(t.getKeyNode(), field, "unknown option for stage '" + type + "' (known: "
                                + schema.options().keySet() + ")");
                    }
                    Node v = t.getValueNode();
                    Object value = value(v, ty, field);
                    checkRefs(v, value, field, earlier);
                    options.put(key, new Value(ty, value, v.getStartMark().getLine() + 1));
                }
            }
            return new StageSpec(name, type, options, s.getStartMark().getLine() + 1);
        }

        void checkRefs(Node v, Object value, String field, Set<String> earlier) {
            List<Object> items = value instanceof List<?> l ? new ArrayList<>(l) : List.of(value);
            for (Object o : items) {
                if (!(o instanceof String str)) {
                    continue;
                }
                Matcher mt = REF.matcher(str);
                while (mt.find()) {
                    String ref = mt.group(1);
                    if (!RecipeRunner.BUILTIN_REFS.contains(ref) && !earlier.contains(ref)) {
                        throw error(v, field, "${" + ref + "} names no earlier stage (earlier: " + earlier
                                + ", built in: " + RecipeRunner.BUILTIN_REFS + ")");
                    }
                }
            }
        }

        String key(NodeTuple t, String prefix) {
            if (!(t.getKeyNode() instanceof ScalarNode k)) {
                throw error(t.getKeyNode(), prefix + "?", "keys must be plain strings");
            }
            return k.getValue();
        }

        String string(Node v, String field) {
            if (!(v instanceof ScalarNode sc) || sc.getTag().equals(Tag.NULL)) {
                throw error(v, field, "expected a string");
            }
            return sc.getValue();
        }

        Object value(Node v, Type ty, String field) {
            switch (ty) {
                case LIST, INPUTS -> {
                    List<Object> out = new ArrayList<>();
                    if (v instanceof SequenceNode seq) {
                        for (Node item : seq.getValue()) {
                            out.add(scalar(item, ty == Type.INPUTS ? Type.INPUT : Type.STRING, field));
                        }
                    } else {
                        out.add(scalar(v, ty == Type.INPUTS ? Type.INPUT : Type.STRING, field));
                    }
                    return out;
                }
                default -> {
                    return scalar(v, ty, field);
                }
            }
        }

        Object scalar(Node v, Type ty, String field) {
            if (!(v instanceof ScalarNode sc) || sc.getTag().equals(Tag.NULL)) {
                throw error(v, field, "expected " + describe(ty) + ", got " + kind(v));
            }
            Tag tag = sc.getTag();
            String s = sc.getValue();
            switch (ty) {
                case INT -> {
                    if (!tag.equals(Tag.INT)) {
                        throw error(v, field, "expected an integer, got '" + s + "'");
                    }
                    if (!DECIMAL_INT.matcher(s).matches()) {
                        // YAML 1.1 also reads 0x1f, 0b101, 017 (octal) and 1:30 (base 60) as integers
                        throw error(v, field, "expected a decimal integer (digits, no leading zero), got '" + s + "'");
                    }
                    try {
                        return Long.parseLong(s.replace("_", ""));
                    } catch (NumberFormatException e) {
                        throw error(v, field, "integer out of range: " + s);
                    }
                }
                case FLOAT -> {
                    if (!tag.equals(Tag.INT) && !tag.equals(Tag.FLOAT)) {
                        throw error(v, field, "expected a number, got '" + s + "'");
                    }
                    if (!DECIMAL_INT.matcher(s).matches() && !DECIMAL_FLOAT.matcher(s).matches()) {
                        // YAML 1.1 numbers such as 0x1f, 1:30.5 (base 60), .inf and .nan
                        throw error(v, field, "expected a decimal number, got '" + s + "'");
                    }
                    double d = Double.parseDouble(s.replace("_", ""));
                    if (!Double.isFinite(d)) {
                        throw error(v, field, "expected a finite number, got '" + s + "'");
                    }
                    return d;
                }
                case BOOL -> {
                    if (!tag.equals(Tag.BOOL)) {
                        throw error(v, field, "expected true or false, got '" + s + "'");
                    }
                    return Boolean.parseBoolean(s.toLowerCase(java.util.Locale.ROOT));
                }
                default -> {
                    if (tag.equals(Tag.BOOL) && ty == Type.INPUT) {
                        throw error(v, field, "expected a path, got '" + s + "'");
                    }
                    return s;
                }
            }
        }

        static String describe(Type ty) {
            return switch (ty) {
                case INT -> "an integer";
                case FLOAT -> "a number";
                case BOOL -> "true or false";
                case INPUT -> "a path";
                default -> "a string";
            };
        }

        static String kind(Node v) {
            if (v instanceof MappingNode) {
                return "a mapping";
            }
            if (v instanceof SequenceNode) {
                return "a list";
            }
            return "nothing";
        }
    }

    /** Replaces every {@code ${ref}} in {@code s} by {@code lookup(ref)}. */
    static String substitute(String s, java.util.function.Function<String, String> lookup) {
        Matcher m = REF.matcher(s);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(sb, Matcher.quoteReplacement(lookup.apply(m.group(1))));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** Names of the stages whose outputs {@code s} references. */
    static List<String> references(String s) {
        List<String> out = new ArrayList<>();
        Matcher m = REF.matcher(s);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }
}
