package io.linforge.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.core.LinforgeException;
import io.linforge.core.io.Outputs;
import io.linforge.core.model.EncoderModel;
import io.linforge.core.onnx.GraphBuilder;
import io.linforge.exporter.OnnxExporter;
import io.linforge.exporter.TensorRtBuilder;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/** {@code linforge export --model DIR [--adapter ADIR]... --out ODIR [--fp16] [--pooling mean|cls [--normalize]] [--tensorrt]}. */
public final class ExportCommand implements Command {
    @Override
    public String name() {
        return "export";
    }

    @Override
    public String summary() {
        return "merges adapters and writes ONNX (fp32/fp16), optionally a TensorRT plan";
    }

    @Override
    public Options options() {
        return new Options()
                .addOption(Option.builder().longOpt("model").hasArg().argName("DIR").type(Path.class).required()
                        .desc("Hugging Face checkpoint folder (never modified)").build())
                .addOption(Option.builder().longOpt("adapter").hasArg().argName("ADIR").type(Path[].class)
                        .desc("PEFT LoRA adapter folder to fold in (repeatable, applied in order)").build())
                .addOption(Option.builder().longOpt("out").hasArg().argName("ODIR").type(String.class).required()
                        .desc("output folder: model.onnx, config.json, tokenizer.json (written atomically; an existing non-empty folder needs --overwrite)").build())
                .addOption(Option.builder().longOpt("fp16").desc("fp16 weights and activations; norms and softmax in fp32").build())
                .addOption(Option.builder().longOpt("opset").hasArg().argName("N").type(Integer.class)
                        .desc("ONNX opset, 12.." + GraphBuilder.MAX_OPSET + " (default " + GraphBuilder.DEFAULT_OPSET
                                + "; 23 writes the standard Attention and RMSNormalization ops, fastest on ONNX Runtime CPU)").build())
                .addOption(Option.builder().longOpt("pooling").hasArg().argName("mean|cls").type(String.class)
                        .desc("encoders: the only output is sentence_embedding [batch, hidden] fp32, the attention-mask "
                                + "weighted mean or the first token's state (no last_hidden_state copied back)").build())
                .addOption(Option.builder().longOpt("normalize")
                        .desc("with --pooling: L2-normalize sentence_embedding (sentence-transformers' Normalize)").build())
                .addOption(Option.builder().longOpt("no-kv-cache").desc("decoders: no past/present key-value tensors").build())
                .addOption(Option.builder().longOpt("external-data").desc("weights in model.onnx.data (automatic past 2 GB)").build())
                .addOption(Option.builder().longOpt("triton").hasArg().argName("REPO").type(String.class)
                        .desc("also write a Triton model repository entry REPO/<name>/{config.pbtxt,1/model.onnx}").build())
                .addOption(Option.builder().longOpt("triton-name").hasArg().argName("NAME").type(String.class)
                        .desc("model name in the Triton repository (default: the output folder's name)").build())
                .addOption(Option.builder().longOpt("tensorrt").desc("also build a TensorRT engine (model.plan); needs an NVIDIA GPU "
                        + "and the TensorRT 8.6 natives (an --fp16 export gives an fp16 engine)").build())
                .addOption(Option.builder().longOpt("tf32").desc("with --tensorrt: allow TF32 matmuls in an fp32 engine (faster; "
                        + "about 1e-3 off fp32 results; off by default)").build())
                .addOption(Option.builder().longOpt("trt-batch").hasArg().argName("MIN,OPT,MAX").type(Integer[].class)
                        .desc("with --tensorrt: the engine's batch range (default 1,8,32)").build())
                .addOption(Option.builder().longOpt("trt-seq").hasArg().argName("MIN,OPT,MAX").type(Integer[].class)
                        .desc("with --tensorrt: the engine's sequence range (default 1,128,512); decoders: also bounds the "
                                + "past and total lengths (past 0..MAX, total 1..2*MAX)").build())
                .addOption(CliSupport.jsonOption());
    }

    @Override
    public int run(CommandLine cmd) throws Exception {
        Path model = CliSupport.requiredPath(cmd, "model");
        Path out = CliSupport.requiredPath(cmd, "out");
        List<Path> adapters = CliSupport.paths(cmd, "adapter");
        boolean trt = cmd.hasOption("tensorrt");
        TensorRtBuilder.Options trtOptions = trtOptions(cmd);
        if (trt) {
            // fail before any work when no engine can be built here
            TensorRtBuilder.requireAvailable();
        }
        EncoderModel.Pooling pooling = pooling(cmd);
        boolean normalize = cmd.hasOption("normalize");
        if (normalize && pooling == EncoderModel.Pooling.NONE) {
            throw LinforgeException.badInput("--normalize needs --pooling mean or cls");
        }
        OnnxExporter.Options o = new OnnxExporter.Options(cmd.hasOption("fp16"),
                CliSupport.intOption(cmd, "opset", GraphBuilder.DEFAULT_OPSET), !cmd.hasOption("no-kv-cache"),
                cmd.hasOption("external-data"), pooling, normalize, trt);
        if (cmd.hasOption("triton")) {
            Outputs.checkFolder(tritonEntry(cmd, out), "--triton", cmd.hasOption("overwrite"), false);
            if (trt) {
                Outputs.checkFolder(tritonPlanEntry(cmd, out), "--triton", cmd.hasOption("overwrite"), false);
            }
        }
        long t0 = System.nanoTime();
        OnnxExporter.Result r = OnnxExporter.export(model, adapters, out, o);
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("exported %s (%s%s, %,d parameters%s) -> %s (%,d bytes) in %.1f s%n", model,
                o.fp16() ? "fp16" : "fp32", o.pooled() ? ", " + o.pooling().id() + " pooling" + (o.normalize() ? ", normalized" : "")
                        : "", r.parameters(), adapters.isEmpty() ? "" : ", " + adapters.size() + " adapter(s) merged",
                r.onnx(), r.bytes(), seconds);
        ObjectNode j = CliSupport.JSON.createObjectNode();
        j.put("model", model.toAbsolutePath().toString());
        j.set("adapters", CliSupport.JSON.valueToTree(adapters.stream().map(p -> p.toAbsolutePath().toString()).toList()));
        j.put("onnx", r.onnx().toAbsolutePath().toString());
        j.put("precision", o.fp16() ? "fp16" : "fp32");
        j.put("opset", o.opset());
        j.put("parameters", r.parameters());
        j.put("bytes", r.bytes());
        j.put("decoder", r.decoder());
        j.put("pooling", o.pooling().id());
        j.put("normalize", o.normalize());
        j.put("seconds", seconds);
        if (cmd.hasOption("triton")) {
            Path t = io.linforge.exporter.triton.TritonRepository.write(Path.of(cmd.getOptionValue("triton")),
                    tritonEntry(cmd, out).getFileName().toString(), r.onnx(), 32);
            j.put("triton", t.toAbsolutePath().toString());
            System.out.printf("triton repository entry %s%n", t);
        }
        if (trt) {
            try {
                TensorRtBuilder.Result plan = TensorRtBuilder.build(r.onnx(), out.resolve("model.plan"), trtOptions);
                Outputs.record(out, "model.plan");
                putParse(j, plan.parse());
                j.put("tensorrt_plan", plan.plan().toString());
                j.put("tensorrt_bytes", plan.bytes());
                j.put("tensorrt_precision", plan.precision());
                j.put("tensorrt_build_seconds", plan.seconds());
                System.out.printf("tensorrt engine %s (%s, %,d bytes) in %.1f s%n", plan.plan(), plan.precision(), plan.bytes(),
                        plan.seconds());
                if (cmd.hasOption("triton")) {
                    Path t = io.linforge.exporter.triton.TritonRepository.writePlan(Path.of(cmd.getOptionValue("triton")),
                            tritonPlanEntry(cmd, out).getFileName().toString(), r.onnx(), plan.plan(),
                            (int) trtOptions.ranges().get("batch")[2]);
                    j.put("triton_tensorrt", t.toAbsolutePath().toString());
                    System.out.printf("triton repository entry %s%n", t);
                }
            } catch (TensorRtBuilder.BuildFailed e) {
                if (e.parse() != null) {
                    putParse(j, e.parse());
                    System.out.printf("tensorrt parse: %s, %d layers, inputs %s%n", e.parse().ok() ? "ok" : "FAILED",
                            e.parse().layers(), e.parse().inputs());
                }
                j.put("tensorrt_error", e.getMessage());
                CliSupport.writeJson(cmd, j);
                throw e;
            }
        }
        CliSupport.writeJson(cmd, j);
        return 0;
    }

    /** The engine's build options from {@code --tf32}, {@code --trt-batch} and {@code --trt-seq}. */
    static TensorRtBuilder.Options trtOptions(CommandLine cmd) {
        boolean trt = cmd.hasOption("tensorrt");
        for (String o : new String[] {"tf32", "trt-batch", "trt-seq"}) {
            if (!trt && cmd.hasOption(o)) {
                throw LinforgeException.badInput("--" + o + " needs --tensorrt");
            }
        }
        java.util.Map<String, long[]> ranges = new java.util.LinkedHashMap<>();
        if (cmd.hasOption("trt-batch")) {
            ranges.put("batch", triple(cmd, "trt-batch"));
        }
        if (cmd.hasOption("trt-seq")) {
            long[] s = triple(cmd, "trt-seq");
            ranges.put("sequence", s);
            ranges.put("past_sequence", new long[] {0, s[1], s[2]});
            ranges.put("total_sequence", new long[] {1, 2 * s[1], 2 * s[2]});
        }
        return TensorRtBuilder.Options.defaults().withTf32(cmd.hasOption("tf32")).withRanges(ranges);
    }

    private static long[] triple(CommandLine cmd, String opt) {
        String v = cmd.getOptionValue(opt);
        String[] p = v.split(",");
        if (p.length != 3) {
            throw LinforgeException.badInput("--" + opt + ": '" + v + "' (expected MIN,OPT,MAX)");
        }
        long[] r = new long[3];
        for (int i = 0; i < 3; i++) {
            try {
                r[i] = Long.parseLong(p[i].trim());
            } catch (NumberFormatException e) {
                throw LinforgeException.badInput("--" + opt + ": '" + v + "' (expected MIN,OPT,MAX, whole numbers)");
            }
        }
        if (r[0] < 1 || r[0] > r[1] || r[1] > r[2] || r[2] > 1 << 20) {
            throw LinforgeException.badInput("--" + opt + ": '" + v + "' (needs 1 <= MIN <= OPT <= MAX <= 1048576)");
        }
        return r;
    }

    /** The Triton repository entry folder, REPO/NAME. */
    static Path tritonEntry(CommandLine cmd, Path out) {
        return Path.of(cmd.getOptionValue("triton"))
                .resolve(cmd.getOptionValue("triton-name", out.toAbsolutePath().getFileName().toString()));
    }

    /** The Triton repository entry of the TensorRT engine, REPO/NAME_tensorrt. */
    static Path tritonPlanEntry(CommandLine cmd, Path out) {
        Path e = tritonEntry(cmd, out);
        return e.resolveSibling(e.getFileName() + "_tensorrt");
    }

    static EncoderModel.Pooling pooling(CommandLine cmd) {
        String v = cmd.getOptionValue("pooling");
        if (v == null) {
            return EncoderModel.Pooling.NONE;
        }
        return switch (v.toLowerCase(java.util.Locale.ROOT)) {
            case "mean" -> EncoderModel.Pooling.MEAN;
            case "cls" -> EncoderModel.Pooling.CLS;
            default -> throw LinforgeException.badInput("--pooling: '" + v + "' (expected mean or cls)");
        };
    }

    static void putParse(ObjectNode j, TensorRtBuilder.ParseReport p) {
        ObjectNode n = j.putObject("tensorrt_parse");
        n.put("ok", p.ok());
        n.put("layers", p.layers());
        n.set("inputs", CliSupport.JSON.valueToTree(p.inputs()));
        n.set("errors", CliSupport.JSON.valueToTree(p.errors()));
    }

}
