package io.linforge.cli;

import io.linforge.api.InitOptions;
import io.linforge.api.InitResult;
import io.linforge.api.Linforge;
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
        InitResult r = Linforge.init(InitOptions.builder(CliSupport.requiredPath(cmd, "config"), CliSupport.requiredPath(cmd, "out"))
                .overwrite(cmd.hasOption("overwrite")).tokenizer(cmd.getOptionValue("tokenizer"))
                .seed(CliSupport.intOption(cmd, "seed", 42)).build());
        System.out.printf("initialised %s: %d layers, hidden %d, %,d parameters -> %s%n", r.config().modelType(),
                r.config().numHiddenLayers(), r.config().hiddenSize(), r.parameters(), r.out());
        CliSupport.writeJson(cmd, r.toJson());
        return 0;
    }
}
