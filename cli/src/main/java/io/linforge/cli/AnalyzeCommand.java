package io.linforge.cli;

import io.linforge.api.training.AnalyzeOptions;
import io.linforge.api.training.AnalyzeResult;
import io.linforge.api.training.Training;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/** {@code linforge analyze --model DIR --data FILE --out ODIR}: per-layer linearity and importance scores. */
public final class AnalyzeCommand implements Command {
    @Override
    public String name() {
        return "analyze";
    }

    @Override
    public String summary() {
        return "per-layer linearity and importance scores, JSON + CSV + plot";
    }

    private static Option opt(String name, String arg, Class<?> type, String desc) {
        return Option.builder().longOpt(name).hasArg().argName(arg).type(type).desc(desc).build();
    }

    @Override
    public Options options() {
        return new Options()
                .addOption(CliSupport.required(opt("model", "DIR", Path.class, "checkpoint folder (with tokenizer.json)")))
                .addOption(opt("adapter", "ADIR", Path[].class, "PEFT adapter to fold in first (repeatable)"))
                .addOption(CliSupport.required(opt("data", "FILE", Path.class, "JSON lines with a text field, or plain text (cut into 512-character runs)")))
                .addOption(opt("samples", "N", Integer.class, "calibration texts (default 128)"))
                .addOption(opt("seq", "N", Integer.class, "tokens per text (default 128)"))
                .addOption(opt("seed", "S", Integer.class, "accepted for recipes; the first N texts are used"))
                .addOption(Option.builder().longOpt("include-first").desc("keep position 0 (CLS/BOS) in the statistics").build())
                .addOption(opt("plot-width", "PX", Integer.class, "width of the profile plot (default 800)"))
                .addOption(opt("plot-height", "PX", Integer.class, "height of the profile plot (default 450)"))
                .addOption(CliSupport.required(opt("out", "ODIR", String.class, "output folder: scores.json, scores.csv, profile.png, profile.svg")))
                .addOption(CliSupport.jsonOption());
    }

    @Override
    public int run(CommandLine cmd) throws Exception {
        AnalyzeOptions.Builder b = AnalyzeOptions.builder(CliSupport.requiredPath(cmd, "model"),
                CliSupport.requiredPath(cmd, "data"), CliSupport.requiredPath(cmd, "out"))
                .adapters(CliSupport.paths(cmd, "adapter"))
                .overwrite(cmd.hasOption("overwrite"))
                .includeFirst(cmd.hasOption("include-first"));
        AnalyzeOptions d = b.build();
        AnalyzeResult r = Training.analyze(b.samples(CliSupport.intOption(cmd, "samples", d.samples()))
                .seq(CliSupport.intOption(cmd, "seq", d.seq()))
                .plotWidth(CliSupport.intOption(cmd, "plot-width", d.plotWidth()))
                .plotHeight(CliSupport.intOption(cmd, "plot-height", d.plotHeight()))
                .build());
        for (AnalyzeResult.Layer l : r.layers()) {
            System.out.printf(Locale.ROOT, "layer %2d  linearity %.4f  residual-removed %.4f  BI %.4f  angular %.4f%n",
                    l.layer(), l.linearity(), l.linearityResidualRemoved(), l.blockInfluence(), l.angularDistance());
        }
        CliSupport.writeJson(cmd, r.toJson());
        return 0;
    }
}
