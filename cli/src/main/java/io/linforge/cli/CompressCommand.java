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
                .addOption(opt("heal", "M", "not available in this build"))
                .addOption(opt("out", "ODIR", "compressed checkpoint folder"))
                .addOption(CliSupport.jsonOption());
    }

    @Override
    public int run(CommandLine cmd) throws Exception {
        if (cmd.hasOption("heal")) {
            throw io.linforge.core.LinforgeException.badInput("--heal: healing is not available in this build");
        }
        Path model = CliSupport.requiredPath(cmd, "model");
        List<Path> adapters = CliSupport.paths(cmd, "adapter");
        Compressor.Config c = new Compressor.Config(CliSupport.doubleOption(cmd, "max-accuracy-drop", 0.01),
                CliSupport.intOption(cmd, "max-blocks", Integer.MAX_VALUE), CliSupport.intOption(cmd, "samples", 128),
                CliSupport.intOption(cmd, "seq", 128), CliSupport.intOption(cmd, "seed", 42),
                CliSupport.intOption(cmd, "validation", 200));
        ObjectNode r;
        try (Checkpoint ckpt = Checkpoint.open(model)) {
            r = Compressor.compress(model, OnnxExporter.mergedConfig(ckpt, adapters), OnnxExporter.mergedTensors(ckpt, adapters),
                    CliSupport.requiredPath(cmd, "data"), CliSupport.requiredPath(cmd, "out"), c);
        }
        System.out.printf("replaced layers %s of %d: validation accuracy %.4f -> %.4f, test %.4f -> %.4f, parameters %,d -> %,d%n",
                r.get("replaced_layers"), r.get("layers").asInt(), r.get("validation_accuracy_before").asDouble(),
                r.get("validation_accuracy_after").asDouble(), r.get("test_accuracy_before").asDouble(),
                r.get("test_accuracy_after").asDouble(), r.get("parameters_before").asLong(), r.get("parameters_after").asLong());
        CliSupport.writeJson(cmd, r);
        return 0;
    }
}
