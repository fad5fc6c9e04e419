package io.linforge.cli;

import io.linforge.api.ImportOptions;
import java.nio.file.Path;
import io.linforge.api.ImportResult;
import io.linforge.api.Linforge;
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
        ImportResult r = Linforge.importModel(ImportOptions.of(CliSupport.requiredPath(cmd, "onnx"),
                CliSupport.requiredPath(cmd, "out")).withOverwrite(cmd.hasOption("overwrite"))
                .withHeads(cmd.hasOption("heads") ? CliSupport.intOption(cmd, "heads", 0) : null));
        System.out.printf("imported %s: %s, %d layers, hidden %d, %d heads, %,d parameters%s -> %s%n", r.onnx(),
                r.config().modelType(), r.config().numHiddenLayers(), r.config().hiddenSize(),
                r.config().numAttentionHeads(), r.parameters(), r.tokenizer() ? ", tokenizer" : "", r.out());
        CliSupport.writeJson(cmd, r.toJson());
        return 0;
    }
}
