package io.linforge.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.compressor.Compressor;
import io.linforge.compressor.Healing;
import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.core.config.ModelConfig;
import io.linforge.core.tensor.TensorData;
import io.linforge.exporter.OnnxExporter;
import io.linforge.trainer.Distiller;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/** {@code linforge compress --model DIR --data FILE --max-accuracy-drop X --out ODIR}. */
public final class CompressCommand implements Command {
    @Override
    public String name() {
        return "compress";
    }

    @Override
    public String summary() {
        return "replaces near-linear layers with fitted linear maps under an accuracy budget";
    }

    private static Option opt(String name, String arg, String desc) {
        return Option.builder().longOpt(name).hasArg().argName(arg).desc(desc).build();
    }

    @Override
    public Options options() {
        return new Options()
                .addOption(opt("model", "DIR", "classifier checkpoint (or base + --adapter)"))
                .addOption(opt("adapter", "ADIR", "PEFT adapter to fold in first (repeatable)"))
                .addOption(opt("data", "FILE", "JSON lines with text, label, split"))
                .addOption(opt("max-accuracy-drop", "X", "largest allowed validation accuracy drop (fraction, default 0.01)"))
                .addOption(opt("max-blocks", "K", "replace at most K layers (default: all that fit the budget)"))
                .addOption(opt("samples", "N", "calibration texts for the fits (default 128)"))
                .addOption(opt("validation", "N", "validation rows held out of the training rows (default 200)"))
                .addOption(opt("seq", "N", "tokens per text (default 128)"))
                .addOption(opt("seed", "S", "seed (default 42)"))
                .addOption(opt("heal", "M", "lora: heal with a short LoRA fine-tune on the labels; distill: with a short LoRA"
                        + " fine-tune towards the original model's logits; either is folded into the weights (default: none)"))
                .addOption(opt("heal-steps", "N", "healing steps of 16 rows (default 20)"))
                .addOption(opt("heal-lr", "LR", "healing learning rate (default 3e-4)"))
                .addOption(opt("distill-alpha", "A", "distill: weight of the KL term; 1 - A weighs the label cross-entropy (default 0.5)"))
                .addOption(opt("distill-temperature", "T", "distill: softmax temperature of the KL term (default 2)"))
                .addOption(opt("out", "ODIR", "compressed checkpoint folder"))
                .addOption(CliSupport.jsonOption());
    }

    @Override
    public int run(CommandLine cmd) throws Exception {
        String heal = cmd.getOptionValue("heal", "none");
        if (!List.of("none", "lora", "distill").contains(heal)) {
            throw io.linforge.core.LinforgeException.badInput("--heal: '" + heal + "' is not one of none, lora, distill");
        }
        for (String o : List.of("distill-alpha", "distill-temperature")) {
            if (cmd.hasOption(o) && !heal.equals("distill")) {
                throw io.linforge.core.LinforgeException.badInput("--" + o + ": only with --heal distill");
            }
        }
        for (String o : List.of("heal-steps", "heal-lr")) {
            if (cmd.hasOption(o) && heal.equals("none")) {
                throw io.linforge.core.LinforgeException.badInput("--" + o + ": only with --heal lora or --heal distill");
            }
        }
        int healSteps = CliSupport.intOption(cmd, "heal-steps", 20);
        double healLr = CliSupport.doubleOption(cmd, "heal-lr", 3e-4);
        Path model = CliSupport.requiredPath(cmd, "model");
        List<Path> adapters = CliSupport.paths(cmd, "adapter");
        Compressor.Config c = new Compressor.Config(CliSupport.doubleOption(cmd, "max-accuracy-drop", 0.01),
                CliSupport.intOption(cmd, "max-blocks", Integer.MAX_VALUE), CliSupport.intOption(cmd, "samples", 128),
                CliSupport.intOption(cmd, "seq", 128), CliSupport.intOption(cmd, "seed", 42),
                CliSupport.intOption(cmd, "validation", 200));
        Path out = CliSupport.requiredPath(cmd, "out");
        Path data = CliSupport.requiredPath(cmd, "data");
        Distiller.Config dc = null;
        if (heal.equals("distill")) {
            dc = Distiller.Config.of(healSteps, 16, healLr, c.seq(), CliSupport.doubleOption(cmd, "distill-temperature", 2.0),
                    CliSupport.doubleOption(cmd, "distill-alpha", 0.5), c.seed() + 1);
            Distiller.check(dc); // before the compression runs
        }
        Path compressed = heal.equals("none") ? out : out.toAbsolutePath().resolveSibling(out.getFileName() + ".unhealed");
        ObjectNode r;
        try (Checkpoint ckpt = Checkpoint.open(model)) {
            ModelConfig config = OnnxExporter.mergedConfig(ckpt, adapters);
            Map<String, TensorData> tensors = OnnxExporter.mergedTensors(ckpt, adapters);
            r = Compressor.compress(model, config, tensors, data, compressed, c);
            if (heal.equals("distill")) {
                try {
                    ObjectNode h = Healing.distill(compressed, config, tensors, model, data, c.seed(), out, dc);
                    r.put("heal", "distill");
                    r.put("heal_steps", healSteps);
                    r.put("test_accuracy_after_healing", h.get("test_accuracy_after_healing").asDouble());
                    r.put("test_kl_to_original_after_healing", h.get("test_kl_to_original_after_healing").asDouble());
                    r.set("healing", h);
                } finally {
                    io.linforge.core.io.AtomicFiles.deleteRecursively(compressed);
                }
            }
        }
        if (heal.equals("lora")) {
            Path adapter = out.toAbsolutePath().resolveSibling(out.getFileName() + ".heal");
            try {
                ObjectNode h = io.linforge.trainer.ClassifierTrainer.train(compressed, data, adapter,
                        new io.linforge.trainer.TrainConfig("lora", healSteps, 16, healLr, c.seq(), 8, 16, 0.1, false,
                                List.of("query", "value"), c.seed() + 1, 0, 2, 0.01, 1.0, 0, 0, 0, false));
                try (Checkpoint ck = Checkpoint.open(compressed)) {
                    Checkpoint.save(out, OnnxExporter.mergedConfig(ck, List.of(adapter)),
                            OnnxExporter.mergedTensors(ck, List.of(adapter)), ck.tokenizerJson().orElse(null));
                }
                r.put("heal", "lora");
                r.put("heal_steps", h.get("steps").asInt());
                r.put("test_accuracy_after_healing", h.get("eval_accuracy").asDouble());
            } finally {
                io.linforge.core.io.AtomicFiles.deleteRecursively(adapter);
                io.linforge.core.io.AtomicFiles.deleteRecursively(compressed);
            }
        }
        if (r.has("test_accuracy_after_healing")) {
            System.out.printf("healed (%s, %d steps): test accuracy %.4f%n", r.get("heal").asText(), r.get("heal_steps").asInt(),
                    r.get("test_accuracy_after_healing").asDouble());
        }
        System.out.printf("replaced layers %s of %d: validation accuracy %.4f -> %.4f, test %.4f -> %.4f, parameters %,d -> %,d%n",
                r.get("replaced_layers"), r.get("layers").asInt(), r.get("validation_accuracy_before").asDouble(),
                r.get("validation_accuracy_after").asDouble(), r.get("test_accuracy_before").asDouble(),
                r.get("test_accuracy_after").asDouble(), r.get("parameters_before").asLong(), r.get("parameters_after").asLong());
        CliSupport.writeJson(cmd, r);
        return 0;
    }
}
