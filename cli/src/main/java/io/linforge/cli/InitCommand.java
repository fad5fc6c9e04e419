package io.linforge.cli;

import io.linforge.core.LinforgeException;
import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.core.config.ModelConfig;
import io.linforge.core.io.AtomicFiles;
import io.linforge.core.model.ModelInit;
import io.linforge.core.text.ByteLevelTokenizer;
import io.linforge.core.text.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/** {@code linforge init --config FILE --out DIR [--tokenizer bytes|FILE] [--seed S]}: a fresh model to pre-train. */
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
            Checkpoint.save(out, c, ModelInit.llama(c, CliSupport.intOption(cmd, "seed", 42)), tok);
        } finally {
            AtomicFiles.deleteRecursively(scratch);
        }
        try (Checkpoint ck = Checkpoint.open(out)) {
            long n = ck.tensorNames().stream().mapToLong(k -> ck.tensor(k).numel()).sum();
            System.out.printf("initialised %s: %d layers, hidden %d, %,d parameters -> %s%n", c.modelType(),
                    c.numHiddenLayers(), c.hiddenSize(), n, out);
            var r = CliSupport.JSON.createObjectNode();
            r.put("model_type", c.modelType());
            r.put("layers", c.numHiddenLayers());
            r.put("hidden_size", c.hiddenSize());
            r.put("parameters", n);
            r.put("tokenizer", tokArg);
            CliSupport.writeJson(cmd, r);
        }
        return 0;
    }
}
