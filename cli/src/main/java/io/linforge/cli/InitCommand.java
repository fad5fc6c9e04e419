package io.linforge.cli;

import io.linforge.core.LinforgeException;
import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.core.config.ModelConfig;
import io.linforge.core.io.AtomicFiles;
import io.linforge.core.model.ModelInit;
import io.linforge.core.tensor.DType;
import io.linforge.core.text.ByteLevelTokenizer;
import io.linforge.core.text.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/** {@code linforge init --config FILE --out DIR [--tokenizer bytes|FILE] [--seed S] [--dtype T] [--shard-size SIZE]}: a fresh model to pre-train. */
public final class InitCommand implements Command {
    @Override
    public String name() {
        return "init";
    }

    @Override
    public String summary() {
        return "writes a freshly initialised LLaMA-style checkpoint (config.json + tokenizer) for pre-training";
    }

    private static Option opt(String name, String arg, Class<?> type, String desc) {
        return Option.builder().longOpt(name).hasArg().argName(arg).type(type).desc(desc).build();
    }

    @Override
    public Options options() {
        return new Options()
                .addOption(CliSupport.required(opt("config", "FILE", Path.class, "a Hugging Face config.json (model_type llama)")))
                .addOption(opt("tokenizer", "T", String.class, "bytes (a byte-level tokenizer, 257 tokens; default) or a tokenizer.json (the config's vocab_size must cover its token ids; a tokenizer_config.json beside it is copied too)"))
                .addOption(opt("seed", "S", Integer.class, "seed of the initialisation (default 42)"))
                .addOption(opt("dtype", "T", String.class, "fp32 (default), bf16 or fp16: the type of the safetensors weights (recorded as the config's torch_dtype)"))
                .addOption(opt("shard-size", "SIZE", String.class, "largest safetensors file, e.g. 2GB, 500MB or 1GiB (KB/MB/GB powers of 1000 as transformers' max_shard_size, KiB/MiB/GiB of 1024, or bytes); more weights are split into shards with model.safetensors.index.json (default 4GiB)"))
                .addOption(CliSupport.required(opt("out", "DIR", String.class, "output checkpoint folder")))
                .addOption(CliSupport.jsonOption());
    }

    @Override
    public int run(CommandLine cmd) throws Exception {
        Path cfgFile = CliSupport.requiredPath(cmd, "config");
        if (!Files.isRegularFile(cfgFile)) {
            throw LinforgeException.badInput(cfgFile, "file", "missing");
        }
        ModelConfig c = ModelConfig.read(cfgFile);
        String dtypeArg = cmd.getOptionValue("dtype", "fp32");
        DType dtype = switch (dtypeArg) {
            case "fp32" -> DType.F32;
            case "bf16" -> DType.BF16;
            case "fp16" -> DType.F16;
            default -> throw LinforgeException.badInput("--dtype: expected fp32, bf16 or fp16, got '" + dtypeArg + "'");
        };
        if (cmd.hasOption("dtype")) {
            c = c.toBuilder().set("torch_dtype", switch (dtype) {
                case BF16 -> "bfloat16";
                case F16 -> "float16";
                default -> "float32";
            }).build();
        }
        long shardBytes = cmd.hasOption("shard-size") ? CliSupport.byteSize("shard-size", cmd.getOptionValue("shard-size"))
                : Checkpoint.DEFAULT_SHARD_BYTES;
        Path out = CliSupport.requiredPath(cmd, "out");
        String tokArg = cmd.getOptionValue("tokenizer", "bytes");
        Path scratch = Files.createTempDirectory("linforge-init");
        try {
            Path tok = scratch.resolve(Checkpoint.TOKENIZER);
            if (tokArg.equals("bytes")) {
                if (c.vocabSize() < ByteLevelTokenizer.VOCAB) {
                    throw LinforgeException.badInput(cfgFile, "vocab_size", c.vocabSize() + " is below the byte-level tokenizer's "
                            + ByteLevelTokenizer.VOCAB + " tokens");
                }
                ByteLevelTokenizer.write(tok);
            } else {
                tok = Path.of(tokArg);
                if (!Files.isRegularFile(tok)) {
                    throw LinforgeException.badInput(tok, "file", "missing (--tokenizer)");
                }
                int vocab = Tokenizer.vocabSize(tok);
                if (vocab > c.vocabSize()) {
                    throw LinforgeException.badInput(cfgFile, "vocab_size", c.vocabSize() + " is below the " + vocab
                            + " token ids of " + tok + " (--tokenizer); set vocab_size to at least " + vocab);
                }
            }
            Checkpoint.save(out, c, ModelInit.llama(c, CliSupport.intOption(cmd, "seed", 42), dtype), tok, shardBytes);
        } finally {
            AtomicFiles.deleteRecursively(scratch);
        }
        try (Checkpoint ck = Checkpoint.open(out)) {
            long n = ck.tensorNames().stream().mapToLong(k -> ck.tensor(k).numel()).sum();
            System.out.printf("initialised %s: %d layers, hidden %d, %,d parameters (%s, %d file%s) -> %s%n", c.modelType(),
                    c.numHiddenLayers(), c.hiddenSize(), n, dtypeArg, ck.fileCount(), ck.fileCount() == 1 ? "" : "s", out);
            var r = CliSupport.JSON.createObjectNode();
            r.put("model_type", c.modelType());
            r.put("layers", c.numHiddenLayers());
            r.put("hidden_size", c.hiddenSize());
            r.put("parameters", n);
            r.put("tokenizer", tokArg);
            r.put("dtype", dtypeArg);
            r.put("files", ck.fileCount());
            CliSupport.writeJson(cmd, r);
        }
        return 0;
    }
}
