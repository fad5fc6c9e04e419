package io.linforge.cli;

import io.linforge.api.InitOptions;
import io.linforge.api.InitResult;
import io.linforge.api.Linforge;
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
        InitResult r = Linforge.init(InitOptions.builder(CliSupport.requiredPath(cmd, "config"), CliSupport.requiredPath(cmd, "out"))
                .overwrite(cmd.hasOption("overwrite")).tokenizer(cmd.getOptionValue("tokenizer"))
                .seed(CliSupport.intOption(cmd, "seed", 42)).dtype(cmd.getOptionValue("dtype"))
                .shardBytes(cmd.hasOption("shard-size") ? InitOptions.parseSize("shard-size", cmd.getOptionValue("shard-size")) : null)
                .build());
        System.out.printf("initialised %s: %d layers, hidden %d, %,d parameters (%s, %d file%s) -> %s%n", r.config().modelType(),
                r.config().numHiddenLayers(), r.config().hiddenSize(), r.parameters(), r.dtype(), r.files(),
                r.files() == 1 ? "" : "s", r.out());
        CliSupport.writeJson(cmd, r.toJson());
        return 0;
    }
}
