package io.linforge.cli.recipe;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The stages a recipe may name and the options each one takes. Option names are the
 * command-line flags of the command that runs the stage; the types are checked when the
 * recipe is read, so a typo fails before anything runs.
 */
public final class StageSchema {
    /** The type of one option's value. */
    public enum Type {
        /** A file or folder that must exist (after resolving references). */
        INPUT,
        STRING,
        INT,
        FLOAT,
        BOOL,
        /** A list of scalars, passed as one comma-separated value. */
        LIST,
        /** A list of files or folders, each passed with its own flag. */
        INPUTS
    }

    /** A stage type: the command it runs, whether it writes an output folder, and its options. */
    public record Stage(String command, boolean writesFolder, Map<String, Type> options) {
    }

    private static final Map<String, Stage> STAGES = new LinkedHashMap<>();

    static {
        define("import", true, "onnx", Type.INPUT, "heads", Type.INT);
        define("init", true, "config", Type.INPUT, "tokenizer", Type.STRING, "seed", Type.INT);
        define("train", true, "model", Type.INPUT, "data", Type.INPUT, "method", Type.STRING, "steps", Type.INT,
                "batch", Type.INT, "lr", Type.FLOAT, "seq", Type.INT, "rank", Type.INT, "alpha", Type.FLOAT,
                "lora-dropout", Type.FLOAT, "rslora", Type.BOOL, "seed", Type.INT, "eval-every", Type.INT,
                "target-modules", Type.LIST, "warmup", Type.INT, "weight-decay", Type.FLOAT, "max-grad-norm", Type.FLOAT,
                "limit-train", Type.INT, "limit-test", Type.INT, "save-every", Type.INT, "resume", Type.BOOL,
                "accumulate", Type.INT, "schedule", Type.STRING, "relora-every", Type.INT, "restart-warmup", Type.INT,
                "optimizer-reset", Type.STRING, "reset-fraction", Type.FLOAT, "warm-start", Type.INT,
                "min-lr-ratio", Type.FLOAT, "collect-steps", Type.INT, "keep", Type.INT, "sparse-variant", Type.STRING,
                "linearity-weight", Type.FLOAT, "held-out", Type.FLOAT);
        define("analyze", true, "model", Type.INPUT, "adapter", Type.INPUTS, "data", Type.INPUT, "samples", Type.INT,
                "seq", Type.INT, "seed", Type.INT, "include-first", Type.BOOL, "plot-width", Type.INT, "plot-height", Type.INT);
        define("compress", true, "model", Type.INPUT, "adapter", Type.INPUTS, "data", Type.INPUT,
                "max-accuracy-drop", Type.FLOAT, "max-blocks", Type.INT, "heal", Type.STRING, "samples", Type.INT,
                "seq", Type.INT, "seed", Type.INT, "validation", Type.INT, "heal-steps", Type.INT, "heal-lr", Type.FLOAT,
                "distill-alpha", Type.FLOAT, "distill-temperature", Type.FLOAT, "max-perplexity-ratio", Type.FLOAT,
                "held-out", Type.FLOAT);
        define("export", true, "model", Type.INPUT, "adapter", Type.INPUTS, "fp16", Type.BOOL, "opset", Type.INT,
                "no-kv-cache", Type.BOOL, "external-data", Type.BOOL, "tensorrt", Type.BOOL, "triton", Type.STRING,
                "triton-name", Type.STRING);
        define("validate", false, "reference", Type.INPUT, "candidate", Type.INPUT, "data", Type.INPUT,
                "tokenizer", Type.INPUT, "max-accuracy-drop", Type.FLOAT, "min-cosine", Type.FLOAT,
                "max-perplexity-ratio", Type.FLOAT, "limit", Type.INT, "max-length", Type.INT, "batch", Type.INT,
                "provider", Type.STRING, "reference-provider", Type.STRING, "threads", Type.INT);
        define("bench", false, "model", Type.INPUT, "provider", Type.STRING, "batch", Type.LIST, "seq", Type.LIST,
                "warmup", Type.INT, "iterations", Type.INT, "threads", Type.INT, "opt-level", Type.STRING,
                "compare", Type.INPUT, "vocab", Type.INT);
        define("generate", false, "model", Type.INPUT, "tokenizer", Type.INPUT, "prompt", Type.STRING,
                "max-new-tokens", Type.INT, "top-p", Type.FLOAT, "temperature", Type.FLOAT, "seed", Type.INT,
                "eos", Type.INT, "provider", Type.STRING, "threads", Type.INT);
    }

    private StageSchema() {
    }

    private static void define(String name, boolean writesFolder, Object... pairs) {
        Map<String, Type> opts = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            opts.put((String) pairs[i], (Type) pairs[i + 1]);
        }
        STAGES.put(name, new Stage(name, writesFolder, opts));
    }

    public static Stage get(String type) {
        return STAGES.get(type);
    }

    public static java.util.Set<String> types() {
        return STAGES.keySet();
    }
}
