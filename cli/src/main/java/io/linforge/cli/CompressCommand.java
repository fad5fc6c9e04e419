package io.linforge.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.api.training.CompressOptions;
import io.linforge.api.training.CompressResult;
import io.linforge.api.training.Training;
import java.nio.file.Path;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/**
 * {@code linforge compress --model DIR --data FILE (--max-accuracy-drop X | --max-perplexity-ratio R) --out ODIR}:
 * a sequence classifier under an accuracy budget (JSON lines), a decoder under a perplexity budget
 * (plain text).
 */
public final class CompressCommand implements Command {
    @Override
    public String name() {
        return "compress";
    }

    @Override
    public String summary() {
        return "replaces near-linear layers with fitted linear maps under an accuracy or perplexity budget";
    }

    private static Option opt(String name, String arg, Class<?> type, String desc) {
        return Option.builder().longOpt(name).hasArg().argName(arg).type(type).desc(desc).build();
    }

    @Override
    public Options options() {
        return new Options()
                .addOption(CliSupport.required(opt("model", "DIR", Path.class, "classifier checkpoint (or base + --adapter), or decoder checkpoint")))
                .addOption(opt("adapter", "ADIR", Path[].class, "PEFT adapter to fold in first (repeatable)"))
                .addOption(CliSupport.required(opt("data", "FILE", Path.class, "classifier: JSON lines with text, label, split; decoder: UTF-8 plain text,"
                        + " packed into blocks of --seq tokens as in training")))
                .addOption(opt("max-accuracy-drop", "X", Double.class, "classifier: largest allowed validation accuracy drop"
                        + " (fraction, default 0.01)"))
                .addOption(opt("max-perplexity-ratio", "R", Double.class, "decoder: largest allowed validation perplexity of the"
                        + " compressed model over the original's (default 1.05)"))
                .addOption(opt("max-blocks", "K", Integer.class, "replace at most K layers (default: all that fit the budget)"))
                .addOption(opt("samples", "N", Integer.class, "calibration texts (decoder: training blocks) for the fits (default 128)"))
                .addOption(opt("validation", "N", Integer.class, "validation rows (decoder: blocks) held out of the training part"
                        + " (default 200)"))
                .addOption(opt("held-out", "P", Double.class, "decoder: last fraction of the text kept as the test split, as in"
                        + " train (default 0.05)"))
                .addOption(opt("seq", "N", Integer.class, "tokens per text or block (default 128)"))
                .addOption(opt("seed", "S", Integer.class, "seed (default 42)"))
                .addOption(opt("heal", "M", String.class, "lora: heal with a short LoRA fine-tune on the labels (decoder: the next"
                        + " tokens); distill: towards the original model's logits (decoder: next-token distributions);"
                        + " either is folded into the weights (default: none)"))
                .addOption(opt("heal-steps", "N", Integer.class, "healing steps of 16 rows or blocks (default 20)"))
                .addOption(opt("heal-lr", "LR", Double.class, "healing learning rate (default 3e-4)"))
                .addOption(opt("distill-alpha", "A", Double.class, "distill: weight of the KL term; 1 - A weighs the label"
                        + " (next-token) cross-entropy (default 0.5)"))
                .addOption(opt("distill-temperature", "T", Double.class, "distill: softmax temperature of the KL term (default 2)"))
                .addOption(CliSupport.required(opt("out", "ODIR", String.class, "compressed checkpoint folder")))
                .addOption(CliSupport.jsonOption());
    }

    @Override
    public int run(CommandLine cmd) throws Exception {
        CompressOptions.Builder b = CompressOptions.builder(CliSupport.requiredPath(cmd, "model"),
                CliSupport.requiredPath(cmd, "data"), CliSupport.requiredPath(cmd, "out"))
                .adapters(CliSupport.paths(cmd, "adapter"))
                .overwrite(cmd.hasOption("overwrite"))
                .maxAccuracyDrop(doubleIfGiven(cmd, "max-accuracy-drop"))
                .maxPerplexityRatio(doubleIfGiven(cmd, "max-perplexity-ratio"))
                .maxBlocks(cmd.hasOption("max-blocks") ? CliSupport.intOption(cmd, "max-blocks", 0) : null)
                .heldOut(doubleIfGiven(cmd, "held-out"))
                .healSteps(cmd.hasOption("heal-steps") ? CliSupport.intOption(cmd, "heal-steps", 0) : null)
                .healLr(doubleIfGiven(cmd, "heal-lr"))
                .distillAlpha(doubleIfGiven(cmd, "distill-alpha"))
                .distillTemperature(doubleIfGiven(cmd, "distill-temperature"));
        CompressOptions d = b.build();
        CompressResult r = Training.compress(b.heal(cmd.getOptionValue("heal", d.heal()))
                .samples(CliSupport.intOption(cmd, "samples", d.samples()))
                .validation(CliSupport.intOption(cmd, "validation", d.validation()))
                .seq(CliSupport.intOption(cmd, "seq", d.seq()))
                .seed(CliSupport.intOption(cmd, "seed", d.seed()))
                .build());
        print(r.toJson(), r.decoder());
        CliSupport.writeJson(cmd, r.toJson());
        return 0;
    }

    private static Double doubleIfGiven(CommandLine cmd, String name) {
        return cmd.hasOption(name) ? CliSupport.doubleOption(cmd, name, 0) : null;
    }

    static void print(ObjectNode r, boolean decoder) {
        String metric = decoder ? "perplexity" : "accuracy";
        if (r.has("test_" + metric + "_after_healing")) {
            System.out.printf("healed (%s, %d steps): test %s %.4f%n", r.get("heal").asText(), r.get("heal_steps").asInt(),
                    metric, r.get("test_" + metric + "_after_healing").asDouble());
        }
        System.out.printf("replaced layers %s of %d: validation %s %.4f -> %.4f, test %.4f -> %.4f, parameters %,d -> %,d%n",
                r.get("replaced_layers"), r.get("layers").asInt(), metric, r.get("validation_" + metric + "_before").asDouble(),
                r.get("validation_" + metric + "_after").asDouble(), r.get("test_" + metric + "_before").asDouble(),
                r.get("test_" + metric + "_after").asDouble(), r.get("parameters_before").asLong(),
                r.get("parameters_after").asLong());
    }
}
