package io.linforge.maven;

import io.linforge.api.training.TrainOptions;
import io.linforge.api.training.TrainResult;
import io.linforge.api.training.Training;
import java.io.File;
import java.io.IOException;
import java.util.List;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/**
 * {@code linforge train}: fine-tunes an encoder as a classifier (JSON lines) or trains a decoder as a
 * causal language model (plain text) with LoRA, ReLoRA, SparseGrad, BitFit or all parameters. A parameter
 * not set takes the command's default.
 */
@Mojo(name = "train", defaultPhase = LifecyclePhase.PROCESS_RESOURCES, threadSafe = true)
public class TrainMojo extends LinforgeMojo {
    /** Base checkpoint folder (with tokenizer.json). */
    @Parameter
    File model;

    /** Classification: JSON lines with text, label and optional split; language modelling: UTF-8 plain text. */
    @Parameter
    File data;

    /** Output folder: a PEFT adapter folder, a SparseGrad adapter folder or a checkpoint folder. */
    @Parameter
    File out;

    /** Replace linforge's files in an existing non-empty out folder. */
    @Parameter(defaultValue = "false")
    boolean overwrite;

    /** Lora (default), relora, sparsegrad, bitfit, full or dora. */
    @Parameter
    String method;

    /** Optimizer updates (default 200). */
    @Parameter
    Integer steps;

    /** Sequences per micro-batch (default 16). */
    @Parameter
    Integer batch;

    /** Micro-batches per update (default 1). */
    @Parameter
    Integer accumulate;

    /** Peak learning rate (default: 5e-4 for lora/relora, 5e-5 for full, 1e-3 for bitfit, 1e-4 for sparsegrad). */
    @Parameter
    Double lr;

    /** Constant, linear, cosine or jagged (default: linear for classification, cosine for language modelling, jagged for relora). */
    @Parameter
    String schedule;

    /** Tokens per text or block (default 128). */
    @Parameter
    Integer seq;

    /** LoRA/ReLoRA rank (default 8). */
    @Parameter
    Integer rank;

    /** LoRA/ReLoRA alpha (default 16). */
    @Parameter
    Double alpha;

    /** Dropout on the LoRA branch (default 0.1). */
    @Parameter
    Double loraDropout;

    /** Scale LoRA by alpha/sqrt(r). */
    @Parameter(defaultValue = "false")
    boolean rslora;

    /** Module names (default: query, value for encoders; every attention and MLP projection for decoders). */
    @Parameter
    List<String> targetModules;

    /** ReLoRA: merge and restart every N updates (default steps/4). */
    @Parameter
    Integer reloraEvery;

    /** ReLoRA: re-warm-up updates after each restart (default steps/50). */
    @Parameter
    Integer restartWarmup;

    /** ReLoRA: random or magnitude (default) pruning of the adapters' AdamW state. */
    @Parameter
    String optimizerReset;

    /** ReLoRA: fraction of the state zeroed (default 0.9). */
    @Parameter
    Double resetFraction;

    /** ReLoRA: full-rank updates before the low-rank phase (default 0). */
    @Parameter
    Integer warmStart;

    /** ReLoRA: floor of the cosine envelope (default 0.1). */
    @Parameter
    Double minLrRatio;

    /** ReLoRA: the factor A when the low-rank phase starts, random (default) or zero (as in the authors' code). */
    @Parameter
    String reloraInitA;

    /** ReLoRA: peak rate of the warm start (default: lr). */
    @Parameter
    Double warmStartLr;

    /** SparseGrad: updates whose gradients define the bases (default 10). */
    @Parameter
    Integer collectSteps;

    /** SparseGrad: rotated-gradient entries kept per layer and update (default 1% of the layer). */
    @Parameter
    Integer keep;

    /** SparseGrad: paper (default) or hosvd. */
    @Parameter
    String sparseVariant;

    /** Lambda of the linearity regularizer (default 0 = off). */
    @Parameter
    Double linearityWeight;

    /** Language modelling: last fraction of the text held out (default 0.05). */
    @Parameter
    Double heldOut;

    /** Seed (default 42). */
    @Parameter
    Integer seed;

    /** Evaluate every N steps (default: at the end). */
    @Parameter
    Integer evalEvery;

    /** Warm-up steps (default 10% of steps). */
    @Parameter
    Integer warmup;

    /** AdamW decoupled weight decay (default 0.01). */
    @Parameter
    Double weightDecay;

    /** Global gradient-norm clip (default 1.0). */
    @Parameter
    Double maxGradNorm;

    /** Use the first N training rows. */
    @Parameter
    Integer limitTrain;

    /** Use the first N test rows (blocks for language modelling). */
    @Parameter
    Integer limitTest;

    /** Write a training checkpoint (out.ckpt) every N steps (default 50). */
    @Parameter
    Integer saveEvery;

    /** Continue from out.ckpt when it exists. */
    @Parameter(defaultValue = "false")
    boolean resume;

    /** Write the result as JSON to this file. */
    @Parameter
    File json;

    @Override
    void run() throws IOException, MojoExecutionException {
        TrainOptions.Builder b = TrainOptions.builder(path(require(model, "model")), path(require(data, "data")),
                path(require(out, "out")))
                .overwrite(overwrite);
        TrainOptions d = b.build();
        TrainResult r = Training.train(b
                .method(method != null ? method : d.method())
                .steps(steps != null ? steps : d.steps())
                .batch(batch != null ? batch : d.batch())
                .accumulate(accumulate != null ? accumulate : d.accumulate())
                .lr(lr)
                .schedule(schedule)
                .seq(seq != null ? seq : d.seq())
                .rank(rank != null ? rank : d.rank())
                .alpha(alpha != null ? alpha : d.alpha())
                .loraDropout(loraDropout != null ? loraDropout : d.loraDropout())
                .rslora(rslora)
                .targetModules(targetModules)
                .reloraEvery(reloraEvery)
                .restartWarmup(restartWarmup)
                .optimizerReset(optimizerReset != null ? optimizerReset : d.optimizerReset())
                .resetFraction(resetFraction != null ? resetFraction : d.resetFraction())
                .warmStart(warmStart != null ? warmStart : d.warmStart())
                .minLrRatio(minLrRatio != null ? minLrRatio : d.minLrRatio())
                .reloraInitA(reloraInitA != null ? reloraInitA : d.reloraInitA())
                .warmStartLr(warmStartLr != null ? warmStartLr : d.warmStartLr())
                .collectSteps(collectSteps != null ? collectSteps : d.collectSteps())
                .keep(keep != null ? keep : d.keep())
                .sparseVariant(sparseVariant != null ? sparseVariant : d.sparseVariant())
                .linearityWeight(linearityWeight != null ? linearityWeight : d.linearityWeight())
                .heldOut(heldOut != null ? heldOut : d.heldOut())
                .seed(seed != null ? seed : d.seed())
                .evalEvery(evalEvery != null ? evalEvery : d.evalEvery())
                .warmup(warmup)
                .weightDecay(weightDecay != null ? weightDecay : d.weightDecay())
                .maxGradNorm(maxGradNorm != null ? maxGradNorm : d.maxGradNorm())
                .limitTrain(limitTrain != null ? limitTrain : d.limitTrain())
                .limitTest(limitTest != null ? limitTest : d.limitTest())
                .saveEvery(saveEvery != null ? saveEvery : d.saveEvery())
                .resume(resume)
                .build());
        getLog().info(String.format("%s: %s %.4f on %d %s, loss %.4f, %,d trainable of %,d parameters -> %s", r.method(),
                r.decoder() ? "held-out perplexity" : "eval accuracy", r.decoder() ? r.evalPerplexity() : r.evalAccuracy(),
                r.evalSize(), r.decoder() ? "blocks" : "rows", r.finalLoss(), r.trainableParameters(), r.totalParameters(),
                r.out()));
        writeJson(json, r.toJson());
    }
}
