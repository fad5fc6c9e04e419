package io.linforge.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.core.LinforgeException;
import io.linforge.core.text.Tokenizer;
import io.linforge.runtime.Generator;
import io.linforge.runtime.ModelFiles;
import io.linforge.runtime.InferenceSession;
import io.linforge.runtime.Sessions;
import io.linforge.runtime.Provider;
import io.linforge.runtime.SessionConfig;
import java.nio.file.Path;
import java.util.Arrays;
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
        java.util.List<Provider> providers = Provider.parseList(cmd.getOptionValue("provider", "cpu"));
        Path onnx = ModelFiles.model(CliSupport.requiredPath(cmd, "model"), "--model", providers);
        Path tokFile = ModelFiles.tokenizer(onnx, cmd.getOptionValue("tokenizer"));
        String prompt = cmd.getOptionValue("prompt");
        if (prompt == null || prompt.isEmpty()) {
            throw LinforgeException.badInput("--prompt: missing or empty");
        }
        int maxNew = CliSupport.intOption(cmd, "max-new-tokens", 64);
        double topP = CliSupport.doubleOption(cmd, "top-p", 0);
        double temperature = CliSupport.doubleOption(cmd, "temperature", 1);
        if (topP < 0 || topP > 1 || temperature <= 0 || maxNew < 1) {
            throw LinforgeException.badInput("--top-p in [0, 1], --temperature > 0 and --max-new-tokens >= 1 needed");
        }
        SessionConfig.Builder b = SessionConfig.builder().providers(providers);
        if (cmd.hasOption("threads")) {
            b.intraOpThreads(CliSupport.intOption(cmd, "threads", 0));
        }
        ObjectNode out = CliSupport.JSON.createObjectNode();
        try (Tokenizer tok = Tokenizer.load(tokFile); InferenceSession s = Sessions.open(onnx, b.build())) {
            long[] ids = tok.modelIds(prompt);
            long t0 = System.nanoTime();
            long[] all = new Generator(s).generate(ids, maxNew, topP, temperature, CliSupport.intOption(cmd, "seed", 42),
                    CliSupport.intOption(cmd, "eos", -1));
            double sec = (System.nanoTime() - t0) / 1e9;
            long[] fresh = Arrays.copyOfRange(all, ids.length, all.length);
            String text = tok.completion(ids, all);
            System.out.println(prompt + text);
            out.put("prompt", prompt);
            out.put("completion", text);
            out.put("prompt_tokens", ids.length);
            out.set("prompt_token_ids", CliSupport.JSON.valueToTree(ids));
            out.put("new_tokens", fresh.length);
            out.set("new_token_ids", CliSupport.JSON.valueToTree(fresh));
            out.put("engine", s.engine());
            out.put("tokens_per_s", fresh.length / sec);
            out.put("mode", topP > 0 ? "top-p" : "greedy");
        }
        CliSupport.writeJson(cmd, out);
        return 0;
    }
}
