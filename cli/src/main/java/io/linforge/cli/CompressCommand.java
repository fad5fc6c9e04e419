package io.linforge.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.compressor.Compressor;
import io.linforge.compressor.Healing;
import io.linforge.core.LinforgeException;
import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.core.config.ModelConfig;
import io.linforge.core.io.AtomicFiles;
import io.linforge.core.tensor.TensorData;
import io.linforge.exporter.OnnxExporter;
import io.linforge.trainer.CausalLmTrainer;
import io.linforge.trainer.ClassifierTrainer;
import io.linforge.trainer.Distiller;
import io.linforge.trainer.TrainConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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
        String heal = cmd.getOptionValue("heal", "none");
        if (!List.of("none", "lora", "distill").contains(heal)) {
            throw LinforgeException.badInput("--heal: '" + heal + "' is not one of none, lora, distill");
        }
        for (String o : List.of("distill-alpha", "distill-temperature")) {
            if (cmd.hasOption(o) && !heal.equals("distill")) {
                throw LinforgeException.badInput("--" + o + ": only with --heal distill");
            }
        }
        for (String o : List.of("heal-steps", "heal-lr")) {
            if (cmd.hasOption(o) && heal.equals("none")) {
                throw LinforgeException.badInput("--" + o + ": only with --heal lora or --heal distill");
            }
        }
        int healSteps = CliSupport.intOption(cmd, "heal-steps", 20);
        double healLr = CliSupport.doubleOption(cmd, "heal-lr", 3e-4);
        Path model = CliSupport.requiredPath(cmd, "model");
        List<Path> adapters = CliSupport.paths(cmd, "adapter");
        Path out = CliSupport.requiredPath(cmd, "out");
        Path data = CliSupport.requiredPath(cmd, "data");
        Distiller.Config dc = null;
        if (heal.equals("distill")) {
            dc = Distiller.Config.of(healSteps, 16, healLr, CliSupport.intOption(cmd, "seq", 128),
                    CliSupport.doubleOption(cmd, "distill-temperature", 2.0), CliSupport.doubleOption(cmd, "distill-alpha", 0.5),
                    CliSupport.intOption(cmd, "seed", 42) + 1);
            Distiller.check(dc); // before the compression runs
        }
        try (Checkpoint ckpt = Checkpoint.open(model)) {
            ModelConfig config = OnnxExporter.mergedConfig(ckpt, adapters);
            boolean decoder = config.isDecoder();
            budgetOptions(cmd, decoder);
            Compressor.Config c = new Compressor.Config(CliSupport.doubleOption(cmd, "max-accuracy-drop", 0.01),
                    CliSupport.doubleOption(cmd, "max-perplexity-ratio", 1.05),
                    CliSupport.intOption(cmd, "max-blocks", Integer.MAX_VALUE), CliSupport.intOption(cmd, "samples", 128),
                    CliSupport.intOption(cmd, "seq", 128), CliSupport.intOption(cmd, "seed", 42),
                    CliSupport.intOption(cmd, "validation", 200), CliSupport.doubleOption(cmd, "held-out", 0.05));
            config.checkSequence("--seq", 0, c.seq(), model.resolve(Checkpoint.CONFIG));
            TrainConfig lmHeal = null;
            if (decoder && !heal.equals("none")) {
                lmHeal = Healing.causalLmConfig(healSteps, 16, healLr, c.seq(), c.seed() + 1);
                lmHeal.validate(); // before the compression runs
            }
            Map<String, TensorData> tensors = OnnxExporter.mergedTensors(ckpt, adapters);
            Path compressed = heal.equals("none") ? out : out.toAbsolutePath().resolveSibling(out.getFileName() + ".unhealed");
            ObjectNode r = Compressor.compress(model, config, tensors, data, compressed, c);
            try {
                if (decoder && !heal.equals("none")) {
                    CausalLmTrainer.Teacher teacher = heal.equals("distill")
                            ? new CausalLmTrainer.Teacher(config, tensors, model, dc.temperature(), dc.alpha()) : null;
                    ObjectNode h = Healing.causalLm(compressed, data, c.heldOut(), out, lmHeal, teacher);
                    r.put("heal", heal);
                    r.put("heal_steps", h.get("steps").asInt());
                    r.put("test_perplexity_after_healing", h.get("eval_perplexity").asDouble());
                    if (teacher != null) {
                        r.put("test_kl_to_original_after_healing", h.get("eval_kl_to_teacher").asDouble());
                    }
                    r.set("healing", h);
                } else if (heal.equals("distill")) {
                    ObjectNode h = Healing.distill(compressed, config, tensors, model, data, c.seed(), out, dc);
                    r.put("heal", "distill");
                    r.put("heal_steps", healSteps);
                    r.put("test_accuracy_after_healing", h.get("test_accuracy_after_healing").asDouble());
                    r.put("test_kl_to_original_after_healing", h.get("test_kl_to_original_after_healing").asDouble());
                    r.set("healing", h);
                } else if (heal.equals("lora")) {
                    Path adapter = out.toAbsolutePath().resolveSibling(out.getFileName() + ".heal");
                    try {
                        ObjectNode h = ClassifierTrainer.train(compressed, data, adapter,
                                new TrainConfig("lora", healSteps, 16, healLr, c.seq(), 8, 16, 0.1, false,
                                        List.of("query", "value"), c.seed() + 1, 0, 2, 0.01, 1.0, 0, 0, 0, false));
                        try (Checkpoint ck = Checkpoint.open(compressed)) {
                            Checkpoint.save(out, OnnxExporter.mergedConfig(ck, List.of(adapter)),
                                    OnnxExporter.mergedTensors(ck, List.of(adapter)), ck.tokenizerJson().orElse(null));
                        }
                        r.put("heal", "lora");
                        r.put("heal_steps", h.get("steps").asInt());
                        r.put("test_accuracy_after_healing", h.get("eval_accuracy").asDouble());
                    } finally {
                        AtomicFiles.deleteRecursively(adapter);
                    }
                }
            } finally {
                if (!heal.equals("none")) {
                    AtomicFiles.deleteRecursively(compressed);
                }
            }
            print(r, decoder);
            CliSupport.writeJson(cmd, r);
        }
        return 0;
    }

    /** Each kind of model has its budget: using the other one is bad usage. */
    static void budgetOptions(CommandLine cmd, boolean decoder) {
        if (decoder && cmd.hasOption("max-accuracy-drop")) {
            throw LinforgeException.badInput("--max-accuracy-drop: the model is a decoder; its budget is"
                    + " --max-perplexity-ratio");
        }
        if (!decoder && cmd.hasOption("max-perplexity-ratio")) {
            throw LinforgeException.badInput("--max-perplexity-ratio: the model is a classifier; its budget is"
                    + " --max-accuracy-drop");
        }
        if (!decoder && cmd.hasOption("held-out")) {
            throw LinforgeException.badInput("--held-out: only for decoders (a classifier's test rows come from the"
                    + " data's split)");
        }
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
