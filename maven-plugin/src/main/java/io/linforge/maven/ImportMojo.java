package io.linforge.maven;

import io.linforge.api.ImportOptions;
import io.linforge.api.ImportResult;
import io.linforge.api.Linforge;
import java.io.File;
import java.io.IOException;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/** {@code linforge import}: a BERT-family ONNX model (or a jar holding one) into a Hugging Face checkpoint folder. */
@Mojo(name = "import", defaultPhase = LifecyclePhase.GENERATE_RESOURCES, threadSafe = true)
public class ImportMojo extends LinforgeMojo {
    /** A BERT-family .onnx file, or a jar/zip holding one (and its tokenizer.json). */
    @Parameter
    File onnx;

    /** The checkpoint folder to write. */
    @Parameter
    File out;

    /** Replace linforge's files in an existing non-empty out folder. */
    @Parameter(defaultValue = "false")
    boolean overwrite;

    /** Attention heads, when the graph does not show them. */
    @Parameter
    Integer heads;

    /** Write the result as JSON to this file. */
    @Parameter
    File json;

    @Override
    void run() throws IOException, MojoExecutionException {
        ImportResult r = Linforge.importModel(ImportOptions.of(path(require(onnx, "onnx")), path(require(out, "out")))
                .withOverwrite(overwrite).withHeads(heads));
        getLog().info(String.format("imported %s: %s, %d layers, %,d parameters -> %s", r.onnx(), r.config().modelType(),
                r.config().numHiddenLayers(), r.parameters(), r.out()));
        writeJson(json, r.toJson());
    }
}
