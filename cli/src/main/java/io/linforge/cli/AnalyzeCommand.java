package io.linforge.cli;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.compressor.Capture;
import io.linforge.compressor.LayerStatistics;
import io.linforge.compressor.Linearity;
import io.linforge.core.LinforgeException;
import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.core.config.ModelConfig;
import io.linforge.core.data.TextRows;
import io.linforge.core.io.AtomicFiles;
import io.linforge.core.model.TransformerModel;
import io.linforge.core.text.Tokenizer;
import io.linforge.exporter.OnnxExporter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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

    static List<String> texts(Path file, int n) throws Exception {
        if (!Files.isRegularFile(file)) {
            throw LinforgeException.badInput(file, "file", "no such data file");
        }
        List<String> out = new ArrayList<>();
        for (TextRows.Row row : TextRows.read(file, false, n)) {
            out.add(row.text());
        }
        if (out.isEmpty()) {
            throw LinforgeException.badInput(file, "text", "no texts found");
        }
        return out;
    }

    private static int plotSize(CommandLine cmd, String name, int dflt) {
        int v = CliSupport.intOption(cmd, name, dflt);
        if (v < 200 || v > 8000) {
            throw LinforgeException.badInput("--" + name + ": expected 200..8000 pixels, got " + v);
        }
        return v;
    }

    @Override
    public int run(CommandLine cmd) throws Exception {
        Path modelDir = CliSupport.requiredPath(cmd, "model");
        Path out = CliSupport.requiredPath(cmd, "out");
        int samples = CliSupport.intOption(cmd, "samples", 128);
        int seq = CliSupport.intOption(cmd, "seq", 128);
        List<Path> adapters = CliSupport.paths(cmd, "adapter");
        int plotWidth = plotSize(cmd, "plot-width", 800);
        int plotHeight = plotSize(cmd, "plot-height", 450);
        List<String> texts = texts(CliSupport.requiredPath(cmd, "data"), samples);
        List<LayerStatistics> stats;
        long t0 = System.nanoTime();
        ModelConfig.read(modelDir.resolve(Checkpoint.CONFIG)).checkSequence("--seq", 0, seq,
                modelDir.resolve(Checkpoint.CONFIG));
        try (Checkpoint ckpt = Checkpoint.open(modelDir); Tokenizer tok = Tokenizer.forCheckpoint(ckpt);
                NDManager root = NDManager.newBaseManager();
                TransformerModel model = TransformerModel.load(OnnxExporter.mergedConfig(ckpt, adapters),
                        OnnxExporter.mergedTensors(ckpt, adapters), modelDir, root, DataType.FLOAT32)) {
            io.linforge.trainer.Progress p = new io.linforge.trainer.Progress("analyze", texts.size());
            stats = Capture.layers(model, tok, texts, seq, 16, !cmd.hasOption("include-first"), done -> p.update(done, ""));
            p.done();
        }
        ObjectNode result = CliSupport.JSON.createObjectNode();
        result.put("model", modelDir.toAbsolutePath().toString());
        result.put("texts", texts.size());
        result.put("tokens", stats.get(0).count());
        result.put("seconds", (System.nanoTime() - t0) / 1e9);
        ArrayNode layers = result.putArray("layers");
        StringBuilder csv = new StringBuilder("layer,linearity,linearity_residual_removed,block_influence,angular_distance\n");
        int nl = stats.size();
        double[] xs = new double[nl];
        double[] ls = new double[nl];
        double[] lr = new double[nl];
        double[] bi = new double[nl];
        double[] ang = new double[nl];
        for (int l = 0; l < stats.size(); l++) {
            LayerStatistics s = stats.get(l);
            double a = Linearity.score(s);
            double b = Linearity.residualRemovedScore(s);
            double c = Linearity.blockInfluence(s);
            double d = Linearity.angularDistance(s);
            ObjectNode n = layers.addObject();
            n.put("layer", l);
            n.put("linearity", a);
            n.put("linearity_residual_removed", b);
            n.put("block_influence", c);
            n.put("angular_distance", d);
            csv.append(String.format(Locale.ROOT, "%d,%.6f,%.6f,%.6f,%.6f%n", l, a, b, c, d));
            xs[l] = l;
            ls[l] = a;
            lr[l] = b;
            bi[l] = c;
            ang[l] = d;
            System.out.printf(Locale.ROOT, "layer %2d  linearity %.4f  residual-removed %.4f  BI %.4f  angular %.4f%n", l, a, b,
                    c, d);
        }
        ProfileChart chart = ProfileChart.of(String.format(Locale.ROOT, "layer profile (%,d tokens)", stats.get(0).count()),
                "layer", "score", xs, List.of("linearity", "linearity (residual removed)", "block influence",
                        "angular distance"), List.of(ls, lr, bi, ang), plotWidth, plotHeight);
        byte[] png = chart.png();
        String svg = chart.svg();
        AtomicFiles.writeDir(out, tmp -> {
            AtomicFiles.writeString(tmp.resolve("scores.json"), CliSupport.JSON.writeValueAsString(result) + "\n");
            AtomicFiles.writeString(tmp.resolve("scores.csv"), csv.toString());
            AtomicFiles.write(tmp.resolve("profile.png"), o -> o.write(png));
            AtomicFiles.writeString(tmp.resolve("profile.svg"), svg);
        });
        CliSupport.writeJson(cmd, result);
        return 0;
    }
}
