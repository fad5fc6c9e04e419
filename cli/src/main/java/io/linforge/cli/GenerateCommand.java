package io.linforge.cli;

import io.linforge.api.GenerateOptions;
import io.linforge.api.GenerateResult;
import io.linforge.api.Linforge;
import java.nio.file.Path;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/**
 * {@code linforge generate --model M --prompt TEXT [--max-new-tokens N] [--top-p P] [--temperature T]}:
 * text from a decoder export with its key/value cache, greedy or nucleus sampling under a seed.
 */
public final class GenerateCommand implements Command {
    @Override
    public String name() {
        return "generate";
    }

    @Override
    public String summary() {
        return "generates text with an exported decoder (key/value cache; greedy or top-p)";
    }

    private static Option opt(String name, String arg, Class<?> type, String desc) {
        return Option.builder().longOpt(name).hasArg().argName(arg).type(type).desc(desc).build();
    }

    @Override
    public Options options() {
        return new Options()
                .addOption(CliSupport.required(opt("model", "M", Path.class, "an export folder, its model.onnx, or a TensorRT engine (.plan) of it (decoder with key/value cache)")))
                .addOption(opt("tokenizer", "FILE", Path.class, "tokenizer.json (default: the one beside the model)"))
                .addOption(CliSupport.required(opt("prompt", "TEXT", String.class, "the text to continue")))
                .addOption(opt("max-new-tokens", "N", Integer.class, "tokens to generate (default 64)"))
                .addOption(opt("top-p", "P", Double.class, "nucleus sampling mass (default 0 = greedy)"))
                .addOption(opt("temperature", "T", Double.class, "sampling temperature (default 1)"))
                .addOption(opt("seed", "S", Integer.class, "sampling seed (default 42)"))
                .addOption(opt("eos", "ID", Integer.class, "stop after this token id (default: none)"))
                .addOption(opt("provider", "P", String.class, "cpu, cuda or tensorrt (a comma list sets the priority; default cpu); tensorrt-plan for a .plan"))
                .addOption(opt("threads", "N", Integer.class, "intra-op threads (default: ONNX Runtime's choice)"))
                .addOption(CliSupport.jsonOption());
    }

    @Override
    public int run(CommandLine cmd) throws Exception {
        GenerateResult r = Linforge.generate(GenerateOptions.builder(CliSupport.requiredPath(cmd, "model"),
                        cmd.getOptionValue("prompt"))
                .tokenizer(cmd.hasOption("tokenizer") ? CliSupport.requiredPath(cmd, "tokenizer") : null)
                .maxNewTokens(CliSupport.intOption(cmd, "max-new-tokens", 64))
                .topP(CliSupport.doubleOption(cmd, "top-p", 0))
                .temperature(CliSupport.doubleOption(cmd, "temperature", 1))
                .seed(CliSupport.intOption(cmd, "seed", 42))
                .eos(cmd.hasOption("eos") ? CliSupport.intOption(cmd, "eos", -1) : null)
                .provider(cmd.getOptionValue("provider", "cpu"))
                .threads(cmd.hasOption("threads") ? CliSupport.intOption(cmd, "threads", 0) : null)
                .build());
        System.out.println(r.prompt() + r.completion());
        CliSupport.writeJson(cmd, r.toJson());
        return 0;
    }
}
