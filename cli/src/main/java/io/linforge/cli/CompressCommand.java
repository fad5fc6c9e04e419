package io.linforge.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.compressor.Compressor;
import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.exporter.OnnxExporter;
import java.nio.file.Path;
import java.util.List;
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
                .addOption(opt("heal", "M", "lora: heal the compressed model with a short LoRA fine-tune and fold it in"))
                .addOption(opt("heal-steps", "N", "healing steps (default 20)"))
                .addOption(opt("out", "ODIR", "compressed checkpoint folder"))
                .addOption(CliSupport.jsonOption());
    }

    @Override
    public int run(CommandLine cmd) throws Exception {
        String heal = cmd.getOptionValue("heal");
        if (heal != null && !heal.equals("lora")) {
            throw io.linforge.core.LinforgeException.badInput("--heal: '" + heal + "' is not available (lora is)");
        }
        Path model = CliSupport.requiredPath(cmd, "model");
        List<Path> adapters = CliSupport.paths(cmd, "adapter");
        Compressor.Config c = new Compressor.Config(CliSupport.doubleOption(cmd, "max-accuracy-drop", 0.01),
                CliSupport.intOption(cmd, "max-blocks", Integer.MAX_VALUE), CliSupport.intOption(cmd, "samples", 128),
                CliSupport.intOption(cmd, "seq", 128), CliSupport.intOption(cmd, "seed", 42),
                CliSupport.intOption(cmd, "validation", 200));
        Path out = CliSupport.requiredPath(cmd, "out");
        Path data = CliSupport.requiredPath(cmd, "data");
        Path compressed = heal == null ? out : out.toAbsolutePath().resolveSibling(out.getFileName() + ".unhealed");
        ObjectNode r;
        try (Checkpoint ckpt = Checkpoint.open(model)) {
            r = Compressor.compress(model, OnnxExporter.mergedConfig(ckpt, adapters), OnnxExporter.mergedTensors(ckpt, adapters),
                    data, compressed, c);
        }
        if (heal != null) {
            Path adapter = out.toAbsolutePath().resolveSibling(out.getFileName() + ".heal");
            try {
                ObjectNode h = io.linforge.trainer.ClassifierTrainer.train(compressed, data, adapter,
                        new io.linforge.trainer.TrainConfig("lora", CliSupport.intOption(cmd, "heal-steps", 20), 16,
                                3e-4, c.seq(), 8, 16, 0.1, false, List.of("query", "value"), c.seed() + 1, 0, 2, 0.01, 1.0,
                                0, 0, 0, false));
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
            System.out.printf("healed with LoRA (%d steps): test accuracy %.4f%n", r.get("heal_steps").asInt(),
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
