package io.linforge.maven;

import io.linforge.api.training.CompressOptions;
import io.linforge.api.training.CompressResult;
import io.linforge.api.training.Training;
import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/**
 * {@code linforge compress}: replaces near-linear layers with fitted linear maps under an accuracy
 * (classifiers) or perplexity (decoders) budget, optionally healed.
 */
@Mojo(name = "compress", defaultPhase = LifecyclePhase.PROCESS_RESOURCES, threadSafe = true)
public class CompressMojo extends LinforgeMojo {
    /** Classifier checkpoint (or base + adapters), or decoder checkpoint. */
    @Parameter
    File model;

    /** PEFT adapter folders to fold in first, in order. */
    @Parameter
    List<File> adapters = new ArrayList<>();

    /** Classifier: JSON lines with text, label, split; decoder: UTF-8 plain text. */
    @Parameter
    File data;

    /** The compressed checkpoint folder. */
    @Parameter
    File out;

    /** Replace linforge's files in an existing non-empty out folder. */
    @Parameter(defaultValue = "false")
    boolean overwrite;

    /** Classifier: largest allowed validation accuracy drop (fraction; default 0.01). */
    @Parameter
    Double maxAccuracyDrop;

    /** Decoder: largest allowed validation perplexity over the original's (default 1.05). */
    @Parameter
    Double maxPerplexityRatio;

    /** Replace at most this many layers (default: all that fit the budget). */
    @Parameter
    Integer maxBlocks;

    /** Calibration texts (decoder: training blocks) for the fits (default 128). */
    @Parameter
    Integer samples;

    /** Validation rows (decoder: blocks) held out of the training part (default 200). */
    @Parameter
    Integer validation;

    /** Decoder: last fraction of the text kept as the test split (default 0.05). */
    @Parameter
    Double heldOut;

    /** Tokens per text or block (default 128). */
    @Parameter
    Integer seq;

    /** Seed (default 42). */
    @Parameter
    Integer seed;

    /** none (default), lora or distill. */
    @Parameter
    String heal;

    /** Healing steps of 16 rows or blocks (default 20). */
    @Parameter
    Integer healSteps;

    /** Healing learning rate (default 3e-4). */
    @Parameter
    Double healLr;

    /** Distill: weight of the KL term (default 0.5). */
    @Parameter
    Double distillAlpha;

    /** Distill: softmax temperature of the KL term (default 2). */
    @Parameter
    Double distillTemperature;

    /** Write the result as JSON to this file. */
    @Parameter
    File json;

    @Override
    void run() throws IOException, MojoExecutionException {
        CompressOptions.Builder b = CompressOptions.builder(path(require(model, "model")), path(require(data, "data")),
                path(require(out, "out")))
                .adapters(adapters.stream().map(File::toPath).toList())
                .overwrite(overwrite)
                .maxAccuracyDrop(maxAccuracyDrop)
                .maxPerplexityRatio(maxPerplexityRatio)
                .maxBlocks(maxBlocks)
                .heldOut(heldOut)
                .healSteps(healSteps)
                .healLr(healLr)
                .distillAlpha(distillAlpha)
                .distillTemperature(distillTemperature);
        CompressOptions d = b.build();
        CompressResult r = Training.compress(b.samples(samples != null ? samples : d.samples())
                .validation(validation != null ? validation : d.validation())
                .seq(seq != null ? seq : d.seq())
                .seed(seed != null ? seed : d.seed())
                .heal(heal != null ? heal : d.heal())
                .build());
        getLog().info(String.format("replaced layers %s of %d: test %s %.4f -> %.4f%s, parameters %,d -> %,d -> %s",
                r.replacedLayers(), r.layers(), r.metric(), r.testBefore(), r.testAfter(),
                r.testAfterHealing() != null ? String.format(" (healed: %.4f)", r.testAfterHealing()) : "",
                r.parametersBefore(), r.parametersAfter(), r.out()));
        writeJson(json, r.toJson());
    }
}
