package io.linforge.core.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.core.LinforgeException;
import io.linforge.core.config.ModelConfig;
import io.linforge.core.io.AtomicFiles;
import io.linforge.core.tensor.TensorData;
import io.linforge.core.tensor.TensorSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A Hugging Face checkpoint folder: {@code config.json}, {@code model.safetensors} or shards listed
 * in {@code model.safetensors.index.json}, and optionally {@code tokenizer.json}.
 */
public final class Checkpoint implements AutoCloseable {
    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";
    public static final String TOKENIZER = "tokenizer.json";
    /** transformers' settings of a tokenizer, read beside {@code tokenizer.json} when present. */
    public static final String TOKENIZER_CONFIG = "tokenizer_config.json";
    /** Shard size used by {@link #save(Path, ModelConfig, Map, Path)}. */
    public static final long DEFAULT_SHARD_BYTES = 4L << 30;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path dir;
    private final ModelConfig config;
    private final List<SafetensorsFile> files;
    private final Map<String, SafetensorsFile> owner;

    private Checkpoint(Path dir, ModelConfig config, List<SafetensorsFile> files, Map<String, SafetensorsFile> owner) {
        this.dir = dir;
        this.config = config;
        this.files = files;
        this.owner = owner;
    }

    public static Checkpoint open(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw LinforgeException.badInput(dir, "folder", "not a checkpoint folder (no such directory)");
        }
        ModelConfig config = ModelConfig.read(dir.resolve(CONFIG));
        List<SafetensorsFile> files = new ArrayList<>();
        Map<String, SafetensorsFile> owner = new LinkedHashMap<>();
        boolean ok = false;
        try {
            Path single = dir.resolve(WEIGHTS);
            Path index = dir.resolve(INDEX);
            if (Files.isRegularFile(index)) {
                Map<String, String> weightMap = readIndex(index);
                Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
                for (Map.Entry<String, String> e : weightMap.entrySet()) {
                    SafetensorsFile f = shards.get(e.getValue());
                    if (f == null) {
                        Path shard = dir.resolve(e.getValue()).normalize();
                        if (!shard.startsWith(dir.normalize()) || !Files.isRegularFile(shard)) {
                            throw LinforgeException.badInput(index, "weight_map." + e.getKey(),
                                    "shard '" + e.getValue() + "' is missing");
                        }
                        f = SafetensorsFile.open(shard);
                        shards.put(e.getValue(), f);
                        files.add(f);
                    }
                    if (!f.names().contains(e.getKey())) {
                        throw LinforgeException.badInput(index, "weight_map." + e.getKey(),
                                "tensor not found in shard '" + e.getValue() + "'");
                    }
                    owner.put(e.getKey(), f);
                }
            } else if (Files.isRegularFile(single)) {
                SafetensorsFile f = SafetensorsFile.open(single);
                files.add(f);
                for (String n : f.names()) {
                    owner.put(n, f);
                }
            } else {
                throw LinforgeException.badInput(dir.resolve(WEIGHTS), "file", "missing (and no " + INDEX + ")");
            }
            ok = true;
            return new Checkpoint(dir, config, files, Collections.unmodifiableMap(owner));
        } finally {
            if (!ok) {
                files.forEach(SafetensorsFile::close);
            }
        }
    }

    private static Map<String, String> readIndex(Path index) {
        JsonNode n;
        try {
            n = JSON.readTree(index.toFile());
        } catch (JsonProcessingException e) {
            throw LinforgeException.badInput(index, "json", "malformed: " + e.getOriginalMessage().replaceAll("\\s+", " "));
        } catch (IOException e) {
            throw LinforgeException.badInput(index, "file", "cannot read: " + e.getMessage());
        }
        JsonNode wm = n == null ? null : n.get("weight_map");
        if (wm == null || !wm.isObject()) {
            throw LinforgeException.badInput(index, "weight_map", "missing or not an object");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = wm.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw LinforgeException.badInput(index, "weight_map." + e.getKey(), "expected a file name");
            }
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }

    public Path dir() {
        return dir;
    }

    public ModelConfig config() {
        return config;
    }

    public Set<String> tensorNames() {
        return owner.keySet();
    }

    public boolean has(String name) {
        return owner.containsKey(name);
    }

    /** The tensor as stored; callers convert with {@code toF32()} before handing it to DJL. */
    public TensorData tensor(String name) {
        SafetensorsFile f = owner.get(name);
        if (f == null) {
            throw LinforgeException.badInput(dir, name, "no such tensor in the checkpoint");
        }
        return f.get(name);
    }

    /** The weight files: {@code model.safetensors}, or the shards in the index's order. */
    public List<Path> weightFiles() {
        return files.stream().map(SafetensorsFile::path).toList();
    }

    /** Number of weight files (1, or the shard count). */
    public int fileCount() {
        return files.size();
    }

    public Optional<Path> tokenizerJson() {
        Path t = dir.resolve(TOKENIZER);
        return Files.isRegularFile(t) ? Optional.of(t) : Optional.empty();
    }

    @Override
    public void close() {
        files.forEach(SafetensorsFile::close);
    }

    public static void save(Path dir, ModelConfig config, Map<String, TensorData> tensors, Path tokenizerJsonOrNull) {
        save(dir, config, tensors, tokenizerJsonOrNull, DEFAULT_SHARD_BYTES);
    }

    /**
     * Writes a checkpoint folder atomically: everything goes to a temporary sibling folder that is
     * renamed to {@code dir} when complete. Above {@code maxShardBytes} the weights are split into
     * {@code model-0000i-of-0000n.safetensors} shards with an index.
     */
    public static void save(Path dir, ModelConfig config, Map<String, TensorData> tensors, Path tokenizerJsonOrNull,
            long maxShardBytes) {
        try {
            AtomicFiles.writeDir(dir, tmp -> writeFolder(tmp, config, tensors, tokenizerJsonOrNull, maxShardBytes));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes the checkpoint files into an existing (temporary) folder; {@link #save} publishes it atomically. */
    public static void writeFolder(Path tmp, ModelConfig config, Map<String, TensorData> tensors, Path tokenizerJsonOrNull,
            long maxShardBytes) throws IOException {
        config.write(tmp.resolve(CONFIG));
        List<Map<String, TensorData>> shards = new ArrayList<>();
        Map<String, TensorData> cur = new LinkedHashMap<>();
        long curBytes = 0;
        long total = 0;
        for (Map.Entry<String, TensorData> e : tensors.entrySet()) {
            long b = e.getValue().byteSize();
            if (!cur.isEmpty() && curBytes + b > maxShardBytes) {
                shards.add(cur);
                cur = new LinkedHashMap<>();
                curBytes = 0;
            }
            cur.put(e.getKey(), e.getValue());
            curBytes += b;
            total += b;
        }
        shards.add(cur);
        Map<String, String> meta = Map.of("format", "pt");
        if (shards.size() == 1) {
            Safetensors.write(tmp.resolve(WEIGHTS), shards.get(0), meta);
        } else {
            ObjectNode index = JSON.createObjectNode();
            index.putObject("metadata").put("total_size", total);
            ObjectNode wm = index.putObject("weight_map");
            for (int i = 0; i < shards.size(); i++) {
                String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
                Safetensors.write(tmp.resolve(name), shards.get(i), meta);
                for (String k : shards.get(i).keySet()) {
                    wm.put(k, name);
                }
            }
            AtomicFiles.writeString(tmp.resolve(INDEX), JSON.writeValueAsString(index) + "\n");
        }
        if (tokenizerJsonOrNull != null) {
            copyTokenizer(tokenizerJsonOrNull, tmp);
        }
    }

    /**
     * Copies {@code tokenizerJson} into {@code dir} as {@code tokenizer.json}, with the
     * {@code tokenizer_config.json} beside it when there is one (its decoding settings travel along).
     */
    public static void copyTokenizer(Path tokenizerJson, Path dir) throws IOException {
        Files.copy(tokenizerJson, dir.resolve(TOKENIZER));
        Path config = tokenizerJson.resolveSibling(TOKENIZER_CONFIG);
        if (Files.isRegularFile(config)) {
            Files.copy(config, dir.resolve(TOKENIZER_CONFIG));
        }
    }

    /**
     * All tensors of this checkpoint, read from the files on demand (no mapping stays behind): what
     * a streamed export converts tensor by tensor. Each is scanned once here, a chunk at a time, so
     * a NaN or infinite value is exit 2 naming the file and the tensor before anything is written.
     */
    public Map<String, TensorSource> sources() {
        Map<String, TensorSource> m = new LinkedHashMap<>();
        for (String n : owner.keySet()) {
            TensorSource t = owner.get(n).source(n);
            t.requireFinite(n);
            m.put(n, t);
        }
        return m;
    }

    /**
     * All tensors of this checkpoint (views of the mapped files), in a fresh map: the weights a model
     * is loaded from, so a NaN or infinite value is exit 2 naming the file and the tensor.
     */
    public Map<String, TensorData> tensors() {
        Map<String, TensorData> m = new LinkedHashMap<>();
        for (String n : owner.keySet()) {
            m.put(n, tensor(n).requireFinite(owner.get(n).path(), n));
        }
        return m;
    }
}
