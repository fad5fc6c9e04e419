package io.linforge.maven;

import io.linforge.api.Linforge;
import io.linforge.api.ValidateOptions;
import io.linforge.api.ValidateResult;
import io.linforge.runtime.validate.GateResult;
import java.io.File;
import java.io.IOException;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/**
 * {@code linforge validate}: reference vs candidate on a data set; a failed gate fails the build with
 * the gate's message.
 */
@Mojo(name = "validate", defaultPhase = LifecyclePhase.VERIFY, threadSafe = true)
public class ValidateMojo extends LinforgeMojo {
    /** Reference ONNX file or TensorRT engine (.plan), or a folder containing model.onnx. */
    @Parameter
    File reference;

    /** Candidate ONNX file or TensorRT engine (.plan), or a folder containing model.onnx. */
    @Parameter
    File candidate;

    /** JSON lines with text and label (rows with split=test are used when present). */
    @Parameter
    File data;

    /** tokenizer.json (found next to the reference when omitted). */
    @Parameter
    File tokenizer;

    /** Gate: reference accuracy - candidate accuracy &lt;= this (fraction). */
    @Parameter
    Double maxAccuracyDrop;

    /** Gate: mean cosine (pooled embeddings, or logits) &gt;= this. */
    @Parameter
    Double minCosine;

    /** Gate: candidate / reference perplexity &lt;= this. */
    @Parameter
    Double maxPerplexityRatio;

    /** Use the first N rows. */
    @Parameter
    Integer limit;

    /** Tokens per text (default 128). */
    @Parameter
    Integer maxLength;

    /** Batch size (default 16). */
    @Parameter
    Integer batch;

    /** cpu, cuda or tensorrt (default cpu); tensorrt-plan for a TensorRT engine. */
    @Parameter
    String provider;

    /** Provider of the reference when it differs. */
    @Parameter
    String referenceProvider;

    /** Intra-op threads. */
    @Parameter
    Integer threads;

    /** Write the result as JSON to this file. */
    @Parameter
    File json;

    /** Write the gates as JUnit XML to this file. */
    @Parameter
    File junit;

    @Override
    void run() throws IOException, MojoExecutionException, MojoFailureException {
        ValidateOptions.Builder b = ValidateOptions.builder(path(require(reference, "reference")),
                path(require(candidate, "candidate")), path(require(data, "data")))
                .tokenizer(path(tokenizer)).maxAccuracyDrop(maxAccuracyDrop).minCosine(minCosine)
                .maxPerplexityRatio(maxPerplexityRatio).referenceProvider(referenceProvider).junit(path(junit));
        if (limit != null) {
            b.limit(limit);
        }
        if (maxLength != null) {
            b.maxLength(maxLength);
        }
        if (batch != null) {
            b.batch(batch);
        }
        if (provider != null) {
            b.provider(provider);
        }
        if (threads != null) {
            b.threads(threads);
        }
        ValidateResult r = Linforge.validate(b.build());
        getLog().info(String.format("%s model, %d rows%s", r.report().kind().id(), r.report().rows(),
                r.testSplitOnly() ? " (split=test)" : ""));
        r.metrics().forEach((k, v) -> getLog().info(String.format("  %-24s %.6g", k, v)));
        for (GateResult g : r.gates()) {
            getLog().info(String.format("  gate %-22s %s", g.name(), g.passed() ? "passed" : "FAILED"));
        }
        writeJson(json, r.toJson());
        if (!r.passed()) {
            throw new MojoFailureException(goal() + ": " + String.join("; ", r.failures()));
        }
    }
}
