package io.linforge.cli;

import io.linforge.api.ExportOptions;
import io.linforge.api.ExportResult;
import io.linforge.api.Linforge;
import io.linforge.core.onnx.GraphBuilder;
import io.linforge.exporter.TensorRtBuilder;
import java.nio.file.Path;
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
                .addOption(Option.builder().longOpt("fp16-softmax").desc("with --fp16: attention scores and softmax in fp16 "
                        + "too, the form TensorRT fuses into one attention kernel").build())
                .addOption(Option.builder().longOpt("gelu-approximation").hasArg().argName("none|tanh").type(String.class)
                        .desc("tanh: compute GELU with its tanh approximation (hidden_act gelu_new) in place of the "
                                + "checkpoint's exact erf form, recorded in the export; TensorRT fuses it into the matrix "
                                + "product before it (BERT-base fp16 on an H200: 2.50 to 2.05 ms per batch of 32x128); "
                                + "validate the export against the exact model (default none)").build())
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
                .addOption(Option.builder().longOpt("trt-level").hasArg().argName("0..5").type(Integer.class)
                        .desc("with --tensorrt: TensorRT's builder optimization level (default 3; higher searches more "
                                + "kernels and builds longer)").build())
                .addOption(CliSupport.jsonOption());
    }

    @Override
    public int run(CommandLine cmd) throws Exception {
        ExportOptions o = ExportOptions.builder(CliSupport.requiredPath(cmd, "model"), CliSupport.requiredPath(cmd, "out"))
                .adapters(CliSupport.paths(cmd, "adapter"))
                .overwrite(cmd.hasOption("overwrite"))
                .fp16(cmd.hasOption("fp16"))
                .fp16Softmax(cmd.hasOption("fp16-softmax"))
                .geluApproximation(cmd.getOptionValue("gelu-approximation"))
                .opset(CliSupport.intOption(cmd, "opset", GraphBuilder.DEFAULT_OPSET))
                .pooling(cmd.getOptionValue("pooling"))
                .normalize(cmd.hasOption("normalize"))
                .kvCache(!cmd.hasOption("no-kv-cache"))
                .externalData(cmd.hasOption("external-data"))
                .triton(cmd.hasOption("triton") ? Path.of(cmd.getOptionValue("triton")) : null, cmd.getOptionValue("triton-name"))
                .tensorrt(cmd.hasOption("tensorrt"))
                .tf32(cmd.hasOption("tf32"))
                .trtBatch(cmd.getOptionValue("trt-batch"))
                .trtSeq(cmd.getOptionValue("trt-seq"))
                .trtLevel(cmd.hasOption("trt-level") ? CliSupport.intOption(cmd, "trt-level", 3) : null)
                .build();
        ExportResult r;
        try {
            r = Linforge.export(o, partial -> {
                print(partial);
                TensorRtBuilder.ParseReport p = partial.tensorrtParse();
                if (p != null) {
                    System.out.printf("tensorrt parse: %s, %d layers, inputs %s%n", p.ok() ? "ok" : "FAILED", p.layers(),
                            p.inputs());
                }
                try {
                    CliSupport.writeJson(cmd, partial.toJson());
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
        print(r);
        if (r.tensorrt() != null) {
            TensorRtBuilder.Result plan = r.tensorrt();
            System.out.printf("tensorrt engine %s (%s, %,d bytes) in %.1f s%n", plan.plan(), plan.precision(), plan.bytes(),
                    plan.seconds());
        }
        if (r.tritonTensorrt() != null) {
            System.out.printf("triton repository entry %s%n", r.tritonTensorrt());
        }
        CliSupport.writeJson(cmd, r.toJson());
        return 0;
    }

    /** The summary of the ONNX export (and its Triton entry). */
    private static void print(ExportResult r) {
        System.out.printf("exported %s (%s%s, %,d parameters%s) -> %s (%,d bytes) in %.1f s%n", r.model(), r.precision(),
                !r.pooling().equals("none") ? ", " + r.pooling() + " pooling" + (r.normalize() ? ", normalized" : "") : "",
                r.parameters(), r.adapters().isEmpty() ? "" : ", " + r.adapters().size() + " adapter(s) merged", r.onnx(),
                r.bytes(), r.seconds());
        if (r.triton() != null) {
            System.out.printf("triton repository entry %s%n", r.triton());
        }
    }
}
