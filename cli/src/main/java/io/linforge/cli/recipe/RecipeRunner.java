package io.linforge.cli.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.cli.Main;
import io.linforge.cli.recipe.Recipe.StageSpec;
import io.linforge.cli.recipe.Recipe.Value;
import io.linforge.cli.recipe.StageSchema.Type;
import io.linforge.core.LinforgeException;
import io.linforge.core.Versions;
import io.linforge.core.io.AtomicFiles;
import io.linforge.core.io.Hashes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.commons.cli.MissingOptionException;
import org.apache.commons.cli.ParseException;

/**
 * Runs a recipe's stages in order inside one run folder. Each stage runs its command with
 * {@code --out RUN/<stage>} (stages that write a folder) and {@code --json RUN/<stage>.result.json};
 * {@code manifest.json} records the inputs with sha256, the recipe, versions, metrics and
 * durations, and is rewritten atomically after every stage. A stage whose key (its type, its
 * resolved options, the sha256 of its input files and the keys of the stages it reads from) is
 * unchanged since a successful run is skipped. A stage is recorded as running before it starts,
 * so a run killed mid-stage never leaves it marked done; its outputs appear only when complete
 * (commands write atomically). A failing stage leaves earlier stages' folders as they were.
 */
public final class RecipeRunner {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RecipeRunner.class);

    /** References every recipe may use besides stage names. */
    public static final Set<String> BUILTIN_REFS = Set.of("root", "recipe_dir", "bundled");

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** The outcome of one stage. */
    public record StageResult(String name, String type, String status, double seconds, JsonNode metrics) {
    }

    private final Recipe recipe;
    private final Path runDir;
    private final Path root;

    public RecipeRunner(Recipe recipe, Path runDir) {
        this.recipe = recipe;
        this.runDir = runDir.toAbsolutePath().normalize();
        this.root = linforgeRoot();
    }

    public static Path linforgeRoot() {
        String r = System.getProperty("linforge.root");
        return (r == null ? Path.of(".") : Path.of(r)).toAbsolutePath().normalize();
    }

    public static Path bundledModel() {
        return linforgeRoot().resolve("target/models/all-minilm-l6-v2.jar");
    }

    public Path runDir() {
        return runDir;
    }

    /**
     * Checks the recipe ({@link #check}), then, holding the run folder's {@link RunLock}, runs every
     * stage and writes {@code report.html}; returns the exit code of the first failing stage, or 0.
     */
    public int run(List<StageResult> results) throws IOException {
        check();
        try (RunLock lock = RunLock.acquire(runDir)) {
            int code = runStages(results);
            Report.write(runDir);
            return code;
        }
    }

    private int runStages(List<StageResult> results) throws IOException {
        Path manifestFile = runDir.resolve("manifest.json");
        Map<String, JsonNode> previous = previousStages(manifestFile);
        Map<String, String> keys = new LinkedHashMap<>();
        ObjectNode manifest = JSON.createObjectNode();
        manifest.put("recipe_name", recipe.name());
        ObjectNode rec = manifest.putObject("recipe");
        rec.put("path", recipe.file().toAbsolutePath().toString());
        rec.put("sha256", Hashes.sha256(recipe.text().getBytes(StandardCharsets.UTF_8)));
        rec.put("text", recipe.text());
        manifest.set("versions", JSON.valueToTree(Versions.all()));
        ArrayNode inputs = manifest.putArray("inputs");
        ArrayNode stages = manifest.putArray("stages");
        int n = recipe.stages().size();
        int i = 0;
        for (StageSpec spec : recipe.stages()) {
            i++;
            StageSchema.Stage schema = StageSchema.get(spec.type());
            StringBuilder keyText = new StringBuilder(spec.type()).append('\n');
            List<String> args = arguments(spec, keys, keyText, inputs);
            String key = Hashes.sha256(keyText.toString().getBytes(StandardCharsets.UTF_8));
            keys.put(spec.name(), key);
            LOG.debug("{}: stage key {} of\n{}", spec.name(), key, keyText.toString().strip());
            Path out = runDir.resolve(spec.name());
            Path resultJson = runDir.resolve(spec.name() + ".result.json");
            JsonNode prev = previous.get(spec.name());
            boolean outputsThere = Files.isRegularFile(resultJson) && (!schema.writesFolder() || Files.isDirectory(out));
            ObjectNode entry = JSON.createObjectNode();
            entry.put("name", spec.name());
            entry.put("type", spec.type());
            entry.put("key", key);
            ArrayNode argv = entry.putArray("args");
            args.forEach(argv::add);
            if (prev != null && key.equals(prev.path("key").asText()) && "ok".equals(prev.path("status").asText())
                    && outputsThere) {
                LOG.info("[{}/{}] {}: unchanged, skipped", i, n, spec.name());
                entry.put("status", "ok");
                entry.put("skipped", true);
                entry.put("seconds", prev.path("seconds").asDouble());
                entry.put("finished", prev.path("finished").asText());
                entry.set("metrics", prev.path("metrics"));
                stages.add(entry);
                results.add(new StageResult(spec.name(), spec.type(), "skipped", 0, prev.path("metrics")));
                continue;
            }
            deleteRecursively(out);
            Files.deleteIfExists(resultJson);
            cleanTemps(spec.name());
            // A checkpoint left by an interrupted attempt is resumed (by stages that take --resume)
            // only when that attempt ran with the same key; any other is stale and goes.
            boolean sameAttempt = prev != null && "running".equals(prev.path("status").asText())
                    && key.equals(prev.path("key").asText());
            if (!sameAttempt) {
                deleteRecursively(runDir.resolve(spec.name() + ".ckpt"));
            }
            if (!schema.writesFolder()) {
                Files.createDirectories(out);
            }
            addOutputs(spec, args);
            // Recorded before the stage starts: a run killed here leaves it marked running, never ok.
            entry.put("status", "running");
            entry.put("started", Instant.now().toString());
            stages.add(entry);
            writeManifest(manifestFile, manifest, previous, i);
            LOG.info("[{}/{}] {}: linforge {}", i, n, spec.name(), String.join(" ", args));
            long t0 = System.nanoTime();
            int code = Main.execute(args.toArray(String[]::new));
            double seconds = (System.nanoTime() - t0) / 1e9;
            JsonNode metrics = Files.isRegularFile(resultJson) ? JSON.readTree(resultJson.toFile())
                    : JSON.createObjectNode();
            entry.put("status", code == 0 ? "ok" : "failed");
            entry.put("exit_code", code);
            entry.put("skipped", false);
            entry.put("seconds", Math.round(seconds * 1000) / 1000.0);
            entry.put("finished", Instant.now().toString());
            entry.set("metrics", metrics);
            results.add(new StageResult(spec.name(), spec.type(), code == 0 ? "ok" : "failed", seconds, metrics));
            LOG.info(String.format(java.util.Locale.ROOT, "[%d/%d] %s: %s in %.1f s", i, n, spec.name(),
                    code == 0 ? "done" : "FAILED (exit " + code + ")", seconds));
            writeManifest(manifestFile, manifest, previous, i);
            if (code != 0) {
                return code;
            }
        }
        writeManifest(manifestFile, manifest, previous, n);
        return 0;
    }

    /**
     * The command line of a stage from its recipe options (without the {@code --out}, {@code --json}
     * and {@code --junit} the runner adds): every option becomes its flag; input files are resolved
     * (references, the recipe's folder) and recorded in {@code inputs} with their sha256. What the
     * stage's key depends on is appended to {@code keyText}.
     */
    List<String> arguments(StageSpec spec, Map<String, String> keys, StringBuilder keyText, ArrayNode inputs) {
        return arguments(spec, keys, keyText, (raw, option, v) -> resolveInput(raw, spec, option, v, keys, keyText, inputs));
    }

    /** Resolves one input path of a stage's option to the value passed on its command line. */
    @FunctionalInterface
    private interface InputResolver {
        String resolve(String raw, String option, Value v);
    }

    /** As above, with input paths resolved by {@code input}. */
    private List<String> arguments(StageSpec spec, Map<String, String> keys, StringBuilder keyText, InputResolver input) {
        List<String> args = new ArrayList<>();
        args.add(StageSchema.get(spec.type()).command());
        for (Map.Entry<String, Value> e : spec.options().entrySet()) {
            Value v = e.getValue();
            String flag = "--" + e.getKey();
            switch (v.type()) {
                case BOOL -> {
                    if ((Boolean) v.value()) {
                        args.add(flag);
                    }
                    keyText.append(e.getKey()).append('=').append(v.value()).append('\n');
                }
                case LIST -> {
                    List<String> parts = new ArrayList<>();
                    for (Object o : (List<?>) v.value()) {
                        parts.add(String.valueOf(o));
                    }
                    args.add(flag);
                    args.add(String.join(",", parts));
                    keyText.append(e.getKey()).append('=').append(parts).append('\n');
                }
                case INPUTS -> {
                    for (Object o : (List<?>) v.value()) {
                        args.add(flag);
                        args.add(input.resolve((String) o, e.getKey(), v));
                    }
                }
                case INPUT -> {
                    args.add(flag);
                    args.add(input.resolve((String) v.value(), e.getKey(), v));
                }
                default -> {
                    String s = Recipe.substitute(String.valueOf(v.value()), ref -> refValue(ref, keys));
                    args.add(flag);
                    args.add(s);
                    keyText.append(e.getKey()).append('=').append(v.value()).append('\n');
                }
            }
        }
        return args;
    }

    /** Adds where a stage writes: {@code --out} (stages that write a folder), {@code --json}, and {@code --junit}. */
    private void addOutputs(StageSpec spec, List<String> args) {
        StageSchema.Stage schema = StageSchema.get(spec.type());
        Path out = runDir.resolve(spec.name());
        if (schema.writesFolder()) {
            args.add("--out");
            args.add(out.toString());
        }
        args.add("--json");
        args.add(runDir.resolve(spec.name() + ".result.json").toString());
        if (schema.writesJunit()) {
            args.add("--junit");
            args.add(out.resolve("junit.xml").toString());
        }
    }

    /**
     * Everything a run checks before its first stage starts, so that {@code run --check} refuses
     * what the run would: inputs that no stage produces must exist, and every stage's command line
     * must parse (an option its command requires must be given).
     */
    public void check() {
        checkInputs();
        for (StageSpec spec : recipe.stages()) {
            List<String> args = arguments(spec, Map.of(), new StringBuilder(), (raw, option, v) -> inputPath(raw).toString());
            addOutputs(spec, args);
            try {
                Main.parse(args.toArray(String[]::new));
            } catch (MissingOptionException e) {
                List<String> missing = new ArrayList<>();
                for (Object o : e.getMissingOptions()) {
                    missing.add(String.valueOf(o));
                }
                throw LinforgeException.badInput(recipe.file() + ":" + spec.line(), "stages." + spec.name() + ".with",
                        "missing " + String.join(", ", missing) + " (required by linforge " + spec.type() + ")");
            } catch (ParseException e) {
                throw LinforgeException.badInput(recipe.file() + ":" + spec.line(), "stages." + spec.name() + ".with",
                        e.getMessage());
            }
        }
    }

    private Path inputPath(String raw) {
        Path p = Path.of(Recipe.substitute(raw, ref -> refValue(ref, Map.of())));
        return (p.isAbsolute() ? p : recipe.dir().resolve(p)).normalize();
    }

    /** Fails before anything runs when an input that no stage produces is missing. */
    private void checkInputs() {
        for (StageSpec spec : recipe.stages()) {
            for (Map.Entry<String, Value> e : spec.options().entrySet()) {
                Value v = e.getValue();
                if (v.type() != Type.INPUT && v.type() != Type.INPUTS) {
                    continue;
                }
                List<?> items = v.value() instanceof List<?> l ? l : List.of(v.value());
                for (Object o : items) {
                    String raw = (String) o;
                    boolean fromStage = Recipe.references(raw).stream().anyMatch(r -> !BUILTIN_REFS.contains(r));
                    if (fromStage) {
                        continue;
                    }
                    Path p = Path.of(Recipe.substitute(raw, ref -> refValue(ref, Map.of())));
                    if (!p.isAbsolute()) {
                        p = recipe.dir().resolve(p);
                    }
                    if (!Files.exists(p)) {
                        throw LinforgeException.badInput(recipe.file() + ":" + v.line(),
                                "stages." + spec.name() + ".with." + e.getKey(), "no such file or folder: " + p.normalize());
                    }
                }
            }
        }
    }

    private String resolveInput(String raw, StageSpec spec, String option, Value v, Map<String, String> keys,
            StringBuilder keyText, ArrayNode inputs) {
        List<String> refs = Recipe.references(raw);
        String resolved = Recipe.substitute(raw, ref -> refValue(ref, keys));
        Path p = Path.of(resolved);
        if (!p.isAbsolute()) {
            p = recipe.dir().resolve(p);
        }
        p = p.normalize();
        boolean fromStage = refs.stream().anyMatch(keys::containsKey);
        if (!Files.exists(p)) {
            throw LinforgeException.badInput(recipe.file() + ":" + v.line(),
                    "stages." + spec.name() + ".with." + option, "no such file or folder: " + p);
        }
        keyText.append(option).append('=');
        if (fromStage) {
            // Depends on an earlier stage: its key stands for its output.
            keyText.append(raw);
            for (String r : refs) {
                keyText.append('@').append(keys.getOrDefault(r, r));
            }
        } else {
            String h = Hashes.sha256(p);
            keyText.append(h);
            ObjectNode in = JSON.createObjectNode();
            in.put("stage", spec.name());
            in.put("option", option);
            in.put("path", p.toString());
            in.put("sha256", h);
            inputs.add(in);
        }
        keyText.append('\n');
        return p.toString();
    }

    private String refValue(String ref, Map<String, String> keys) {
        return switch (ref) {
            case "root" -> root.toString();
            case "recipe_dir" -> recipe.dir().toString();
            case "bundled" -> bundledModel().toString();
            default -> runDir.resolve(ref).toString();
        };
    }

    private Map<String, JsonNode> previousStages(Path manifestFile) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        if (!Files.isRegularFile(manifestFile)) {
            return out;
        }
        try {
            JsonNode m = JSON.readTree(manifestFile.toFile());
            for (JsonNode s : m.path("stages")) {
                out.put(s.path("name").asText(), s);
            }
        } catch (IOException e) {
            // An unreadable manifest means nothing can be skipped.
        }
        return out;
    }

    /**
     * Writes the manifest with the stages so far and, for the stages not reached yet (after the
     * first {@code reached}), what earlier runs recorded, so that a run that stops early (a failure,
     * a kill) does not lose the records a rerun needs to skip unchanged stages. Stage keys chain
     * through references, so a kept record only matches when everything it read is unchanged.
     */
    private void writeManifest(Path file, ObjectNode manifest, Map<String, JsonNode> previous, int reached)
            throws IOException {
        ObjectNode m = manifest.deepCopy();
        ArrayNode stages = (ArrayNode) m.get("stages");
        for (StageSpec later : recipe.stages().subList(reached, recipe.stages().size())) {
            JsonNode p = previous.get(later.name());
            if (p != null) {
                stages.add(p);
            }
        }
        AtomicFiles.writeString(file, JSON.writeValueAsString(m));
    }

    private void cleanTemps(String name) throws IOException {
        try (Stream<Path> s = Files.list(runDir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String f = p.getFileName().toString();
                if (f.startsWith("." + name + ".") && (f.contains("tmp") || f.contains(".old-"))) {
                    deleteRecursively(p);
                }
            }
        }
    }

    static void deleteRecursively(Path p) throws IOException {
        AtomicFiles.deleteRecursively(p);
    }
}
