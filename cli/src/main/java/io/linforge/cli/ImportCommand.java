package io.linforge.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.core.onnx.OnnxImporter;
import java.nio.file.Path;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/** {@code linforge import --onnx FILE|JAR --out DIR}. */
public final class ImportCommand implements Command {
    @Override
    public String name() {
        return "import";
    }

    @Override
    public String summary() {
        return "ONNX model (or a jar holding one) -> Hugging Face checkpoint folder";
    }

    @Override
    public Options options() {
        return new Options()
                .addOption(Option.builder().longOpt("onnx").hasArg().argName("FILE").type(Path.class).required()
                        .desc("a BERT-family .onnx file, or a jar/zip holding one (and its tokenizer.json)").build())
                .addOption(Option.builder().longOpt("out").hasArg().argName("DIR").type(String.class).required()
                        .desc("checkpoint folder to write (replaced atomically)").build())
                .addOption(Option.builder().longOpt("heads").hasArg().argName("N").type(Integer.class)
                        .desc("attention heads, when the graph does not show them").build())
                .addOption(CliSupport.jsonOption());
    }

    @Override
    public int run(CommandLine cmd) throws Exception {
        Path src = CliSupport.requiredPath(cmd, "onnx");
        Path out = CliSupport.requiredPath(cmd, "out");
        Integer heads = cmd.hasOption("heads") ? CliSupport.intOption(cmd, "heads", 0) : null;
        OnnxImporter.Result r = OnnxImporter.importTo(src, out, heads);
        long params = r.tensors().values().stream().mapToLong(t -> t.numel()).sum();
        System.out.printf("imported %s: %s, %d layers, hidden %d, %d heads, %,d parameters%s -> %s%n", r.onnxName(),
                r.config().modelType(), r.config().numHiddenLayers(), r.config().hiddenSize(),
                r.config().numAttentionHeads(), params, r.tokenizer() ? ", tokenizer" : "", out);
        ObjectNode j = CliSupport.JSON.createObjectNode();
        j.put("source", src.toAbsolutePath().toString());
        j.put("onnx", r.onnxName());
        j.put("out", out.toAbsolutePath().toString());
        j.put("parameters", params);
        j.put("tensors", r.tensors().size());
        j.put("tokenizer", r.tokenizer());
        j.set("config", r.config().toJson());
        CliSupport.writeJson(cmd, j);
        return 0;
    }
}
