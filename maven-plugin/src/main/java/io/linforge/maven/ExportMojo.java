package io.linforge.maven;

import io.linforge.api.ExportOptions;
import io.linforge.api.ExportResult;
import io.linforge.api.Linforge;
import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/** {@code linforge export}: merges adapters and writes ONNX (fp32/fp16), optionally a TensorRT plan and Triton entries. */
@Mojo(name = "export", defaultPhase = LifecyclePhase.PACKAGE, threadSafe = true)
public class ExportMojo extends LinforgeMojo {
    /** Hugging Face checkpoint folder (never modified). */
    @Parameter
    File model;

    /** PEFT LoRA adapter folders to fold in, applied in order. */
    @Parameter
    List<File> adapters = new ArrayList<>();

    /** Output folder: model.onnx, config.json, tokenizer.json. */
    @Parameter
    File out;

    /** Replace linforge's files in an existing non-empty out folder. */
    @Parameter(defaultValue = "false")
    boolean overwrite;

    /** fp16 weights and activations; norms and softmax in fp32. */
    @Parameter(defaultValue = "false")
    boolean fp16;

    /** ONNX opset (default: the command line's). */
    @Parameter
    Integer opset;

    /** Encoders: mean or cls; the pooled sentence_embedding becomes the only output. */
    @Parameter
    String pooling;

    /** With pooling: L2-normalize sentence_embedding. */
    @Parameter(defaultValue = "false")
    boolean normalize;

    /** Decoders: no past/present key-value tensors. */
    @Parameter(defaultValue = "false")
    boolean noKvCache;

    /** Weights in model.onnx.data (automatic past 2 GB). */
    @Parameter(defaultValue = "false")
    boolean externalData;

    /** Also write a Triton model repository entry into this repository. */
    @Parameter
    File triton;

    /** The entry's name in the Triton repository (default: the output folder's name). */
    @Parameter
    String tritonName;

    /** With fp16: attention scores and softmax in fp16 too (the form TensorRT fuses). */
    @Parameter(defaultValue = "false")
    boolean fp16Softmax;

    /** tanh: GELU computed with its tanh approximation in place of the checkpoint's exact form (default none). */
    @Parameter
    String geluApproximation;

    /** Also build a TensorRT engine (model.plan). */
    @Parameter(defaultValue = "false")
    boolean tensorrt;

    /** With tensorrt: allow TF32 matmuls in an fp32 engine. */
    @Parameter(defaultValue = "false")
    boolean tf32;

    /** With tensorrt: the engine's batch range MIN,OPT,MAX. */
    @Parameter
    String trtBatch;

    /** With tensorrt: the engine's sequence range MIN,OPT,MAX. */
    @Parameter
    String trtSeq;

    /** With tensorrt: TensorRT's builder optimization level 0..5 (default 3). */
    @Parameter
    Integer trtLevel;

    /** Write the result as JSON to this file. */
    @Parameter
    File json;

    @Override
    void run() throws IOException, MojoExecutionException {
        ExportOptions.Builder b = ExportOptions.builder(path(require(model, "model")), path(require(out, "out")))
                .adapters(adapters.stream().map(File::toPath).toList())
                .overwrite(overwrite).fp16(fp16).pooling(pooling).normalize(normalize).kvCache(!noKvCache)
                .externalData(externalData).triton(path(triton), tritonName).tensorrt(tensorrt).tf32(tf32)
                .trtBatch(trtBatch).trtSeq(trtSeq).trtLevel(trtLevel).fp16Softmax(fp16Softmax)
                .geluApproximation(geluApproximation);
        if (opset != null) {
            b.opset(opset);
        }
        ExportResult r = Linforge.export(b.build());
        getLog().info(String.format("exported %s (%s, %,d parameters) -> %s (%,d bytes) in %.1f s", r.model(), r.precision(),
                r.parameters(), r.onnx(), r.bytes(), r.seconds()));
        writeJson(json, r.toJson());
    }
}
