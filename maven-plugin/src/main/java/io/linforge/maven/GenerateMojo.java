package io.linforge.maven;

import io.linforge.api.GenerateOptions;
import io.linforge.api.GenerateResult;
import io.linforge.api.Linforge;
import java.io.File;
import java.io.IOException;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/** {@code linforge generate}: text from a decoder export with its key/value cache, greedy or top-p. */
@Mojo(name = "generate", defaultPhase = LifecyclePhase.VERIFY, threadSafe = true)
public class GenerateMojo extends LinforgeMojo {
    /** An export folder, its model.onnx, or a TensorRT engine (.plan) of it (a decoder with key/value cache). */
    @Parameter
    File model;

    /** The text to continue. */
    @Parameter
    String prompt;

    /** tokenizer.json (default: the one beside the model). */
    @Parameter
    File tokenizer;

    /** Tokens to generate (default 64). */
    @Parameter
    Integer maxNewTokens;

    /** Nucleus sampling mass (default 0 = greedy). */
    @Parameter
    Double topP;

    /** Sampling temperature (default 1). */
    @Parameter
    Double temperature;

    /** Sampling seed (default 42). */
    @Parameter
    Long seed;

    /** Stop after this token id (default: none). */
    @Parameter
    Integer eos;

    /** cpu, cuda or tensorrt (a comma list sets the priority; default cpu); tensorrt-plan for a .plan. */
    @Parameter
    String provider;

    /** Intra-op threads (default: ONNX Runtime's choice). */
    @Parameter
    Integer threads;

    /** Write the result as JSON to this file. */
    @Parameter
    File json;

    @Override
    void run() throws IOException, MojoExecutionException {
        GenerateOptions.Builder b = GenerateOptions.builder(path(require(model, "model")), require(prompt, "prompt"))
                .tokenizer(path(tokenizer)).eos(eos).provider(provider).threads(threads);
        if (maxNewTokens != null) {
            b.maxNewTokens(maxNewTokens);
        }
        if (topP != null) {
            b.topP(topP);
        }
        if (temperature != null) {
            b.temperature(temperature);
        }
        if (seed != null) {
            b.seed(seed);
        }
        GenerateResult r = Linforge.generate(b.build());
        getLog().info(String.format("%s%s (%d new tokens, %s, %.1f tokens/s)", r.prompt(), r.completion(),
                r.newTokenIds().length, r.mode(), r.tokensPerS()));
        writeJson(json, r.toJson());
    }
}
