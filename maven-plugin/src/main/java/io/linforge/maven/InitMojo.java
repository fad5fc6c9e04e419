package io.linforge.maven;

import io.linforge.api.InitOptions;
import io.linforge.api.InitResult;
import io.linforge.api.Linforge;
import java.io.File;
import java.io.IOException;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/** {@code linforge init}: a freshly initialised LLaMA-style checkpoint for pre-training. */
@Mojo(name = "init", defaultPhase = LifecyclePhase.GENERATE_RESOURCES, threadSafe = true)
public class InitMojo extends LinforgeMojo {
    /** A Hugging Face config.json of a LLaMA-family decoder. */
    @Parameter
    File config;

    /** The checkpoint folder to write. */
    @Parameter
    File out;

    /** Replace linforge's files in an existing non-empty out folder. */
    @Parameter(defaultValue = "false")
    boolean overwrite;

    /** bytes (the byte-level tokenizer, 257 tokens; default) or a tokenizer.json whose ids vocab_size covers. */
    @Parameter
    String tokenizer;

    /** Seed of the initialisation (default 42). */
    @Parameter
    Long seed;

    /** fp32 (default), bf16 or fp16: the type of the safetensors weights. */
    @Parameter
    String dtype;

    /** Largest safetensors file, e.g. 2GB, 500MB or 1GiB (default 4GiB). */
    @Parameter
    String shardSize;

    /** Write the result as JSON to this file. */
    @Parameter
    File json;

    @Override
    void run() throws IOException, MojoExecutionException {
        InitOptions.Builder b = InitOptions.builder(path(require(config, "config")), path(require(out, "out")))
                .overwrite(overwrite).tokenizer(tokenizer).dtype(dtype)
                .shardBytes(shardSize == null ? null : InitOptions.parseSize("shard-size", shardSize));
        if (seed != null) {
            b.seed(seed);
        }
        InitResult r = Linforge.init(b.build());
        getLog().info(String.format("initialised %s: %d layers, hidden %d, %,d parameters (%s, %d files) -> %s",
                r.config().modelType(), r.config().numHiddenLayers(), r.config().hiddenSize(), r.parameters(), r.dtype(), r.files(),
                r.out()));
        writeJson(json, r.toJson());
    }
}
