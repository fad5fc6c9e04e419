package io.linforge.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.trainer.ClassifierTrainer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/** {@code linforge train --model DIR --data FILE --method lora|bitfit|full --out ADIR}. */
public final class TrainCommand implements Command {
    @Override
    public String name() {
        return "train";
    }

    @Override
    public String summary() {
        return "fine-tunes a classifier with LoRA (PEFT adapter), BitFit or all parameters";
    }

    private static Option opt(String name, String arg, String desc) {
        return Option.builder().longOpt(name).hasArg().argName(arg).desc(desc).build();
    }

    @Override
    public Options options() {
        return new Options()
                .addOption(opt("model", "DIR", "base checkpoint folder (with tokenizer.json)"))
                .addOption(opt("data", "FILE", "JSON lines with text, label and optional split (test rows are held out)"))
                .addOption(opt("method", "M", "lora (default), bitfit or full"))
                .addOption(opt("out", "ADIR", "output: a PEFT adapter folder (lora) or a checkpoint folder"))
                .addOption(opt("steps", "N", "optimizer steps (default 200)"))
                .addOption(opt("batch", "N", "sequences per step (default 16)"))
                .addOption(opt("lr", "X", "peak learning rate (default 5e-4 for lora, 5e-5 for full, 1e-3 for bitfit)"))
                .addOption(opt("seq", "N", "tokens per text (default 128)"))
                .addOption(opt("rank", "R", "LoRA rank (default 8)"))
                .addOption(opt("alpha", "A", "LoRA alpha (default 16)"))
                .addOption(opt("lora-dropout", "P", "dropout on the LoRA branch (default 0.1)"))
                .addOption(Option.builder().longOpt("rslora").desc("scale LoRA by alpha/sqrt(r)").build())
                .addOption(opt("target-modules", "LIST", "comma list of module names (default query,value)"))
                .addOption(opt("seed", "S", "seed (default 42)"))
                .addOption(opt("eval-every", "N", "evaluate every N steps (default: at the end)"))
                .addOption(opt("warmup", "N", "warm-up steps (default 10% of steps)"))
                .addOption(opt("weight-decay", "X", "AdamW decoupled weight decay (default 0.01)"))
                .addOption(opt("max-grad-norm", "X", "global gradient-norm clip (default 1.0)"))
                .addOption(opt("limit-train", "N", "use the first N training rows"))
                .addOption(opt("limit-test", "N", "use the first N test rows"))
                .addOption(opt("save-every", "N", "write a training checkpoint (<out>.ckpt) every N steps (default 50)"))
                .addOption(Option.builder().longOpt("resume").desc("continue from <out>.ckpt when it exists").build())
                .addOption(CliSupport.jsonOption());
    }

    @Override
    public int run(CommandLine cmd) throws Exception {
        String method = cmd.getOptionValue("method", "lora");
        int steps = CliSupport.intOption(cmd, "steps", 200);
        double dfltLr = switch (method) {
            case "full" -> 5e-5;
            case "bitfit" -> 1e-3;
            default -> 5e-4;
        };
        List<String> targets = Arrays.stream(cmd.getOptionValue("target-modules", "query,value").split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).toList();
        ClassifierTrainer.Config c = new ClassifierTrainer.Config(method, steps, CliSupport.intOption(cmd, "batch", 16),
                CliSupport.doubleOption(cmd, "lr", dfltLr), CliSupport.intOption(cmd, "seq", 128),
                CliSupport.intOption(cmd, "rank", 8), CliSupport.doubleOption(cmd, "alpha", 16),
                CliSupport.doubleOption(cmd, "lora-dropout", 0.1), cmd.hasOption("rslora"), targets,
                CliSupport.intOption(cmd, "seed", 42), CliSupport.intOption(cmd, "eval-every", 0),
                CliSupport.intOption(cmd, "warmup", Math.max(1, steps / 10)), CliSupport.doubleOption(cmd, "weight-decay", 0.01),
                CliSupport.doubleOption(cmd, "max-grad-norm", 1.0), CliSupport.intOption(cmd, "limit-train", 0),
                CliSupport.intOption(cmd, "limit-test", 0), CliSupport.intOption(cmd, "save-every", 50),
                cmd.hasOption("resume"));
        Path out = CliSupport.requiredPath(cmd, "out");
        ObjectNode r = ClassifierTrainer.train(CliSupport.requiredPath(cmd, "model"), CliSupport.requiredPath(cmd, "data"),
                out, c);
        System.out.printf("%s: eval accuracy %.4f on %d rows, loss %.4f, %,d trainable of %,d parameters (%.2f%%), "
                + "peak RSS %.0f MB, %.0f tokens/s -> %s%n", method, r.get("eval_accuracy").asDouble(),
                r.get("eval_rows").asInt(), r.get("final_loss").asDouble(), r.get("trainable_parameters").asLong(),
                r.get("total_parameters").asLong(), 100 * r.get("trainable_fraction").asDouble(),
                r.get("peak_rss_bytes").asDouble() / 1e6, r.get("tokens_per_s").asDouble(), out);
        CliSupport.writeJson(cmd, r);
        return 0;
    }
}
