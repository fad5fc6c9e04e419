package io.linforge.cli;

import io.linforge.api.training.TrainOptions;
import io.linforge.api.training.TrainResult;
import io.linforge.api.training.Training;
import io.linforge.core.io.Outputs;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/**
 * {@code linforge train --model DIR --data FILE --method lora|relora|sparsegrad|bitfit|full|dora --out ADIR}:
 * sequence classification for encoders (JSON lines), causal language modelling for decoders
 * (plain text).
 */
public final class TrainCommand implements Command {
    @Override
    public String name() {
        return "train";
    }

    @Override
    public String summary() {
        return "fine-tunes or pre-trains with LoRA, ReLoRA, SparseGrad, BitFit or all parameters";
    }

    private static Option opt(String name, String arg, Class<?> type, String desc) {
        return Option.builder().longOpt(name).hasArg().argName(arg).type(type).desc(desc).build();
    }

    @Override
    public Options options() {
        return new Options()
                .addOption(CliSupport.required(opt("model", "DIR", Path.class, "base checkpoint folder (with tokenizer.json); an encoder is trained as a"
                        + " classifier, a decoder as a causal language model")))
                .addOption(CliSupport.required(opt("data", "FILE", Path.class, "classification: JSON lines with text, label and optional split (test rows"
                        + " are held out); language modelling: UTF-8 plain text")))
                .addOption(opt("method", "M", String.class, "one of " + String.join(", ", io.linforge.trainer.Methods.names()) + " (default lora)"))
                .addOption(CliSupport.required(opt("out", "ADIR", String.class, "output: a PEFT adapter folder (lora, classification), a SparseGrad adapter"
                        + " folder (sparsegrad, classification) or a checkpoint folder")))
                .addOption(opt("steps", "N", Integer.class, "optimizer updates (default 200)"))
                .addOption(opt("batch", "N", Integer.class, "sequences per micro-batch (default 16)"))
                .addOption(opt("accumulate", "N", Integer.class, "micro-batches per update (gradient accumulation, default 1)"))
                .addOption(opt("lr", "X", Double.class, "peak learning rate (default 5e-4 for lora/relora, 5e-5 for full,"
                        + " 1e-3 for bitfit, 1e-4 for sparsegrad)"))
                .addOption(opt("schedule", "S", String.class, "constant, linear, cosine or jagged (default linear for classification,"
                        + " cosine for language modelling, jagged for relora)"))
                .addOption(opt("seq", "N", Integer.class, "tokens per text or block (default 128)"))
                .addOption(opt("rank", "R", Integer.class, "LoRA/ReLoRA rank (default 8)"))
                .addOption(opt("alpha", "A", Double.class, "LoRA/ReLoRA alpha (default 16)"))
                .addOption(opt("lora-dropout", "P", Double.class, "dropout on the LoRA branch (default 0.1)"))
                .addOption(Option.builder().longOpt("rslora").desc("scale LoRA by alpha/sqrt(r)").build())
                .addOption(opt("target-modules", "LIST", String[].class, "comma list of module names (default query,value for encoders,"
                        + " q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj for decoders)"))
                .addOption(opt("relora-every", "N", Integer.class, "ReLoRA: merge and restart every N updates (default steps/4)"))
                .addOption(opt("restart-warmup", "N", Integer.class, "ReLoRA: re-warm-up updates after each restart (default steps/50)"))
                .addOption(opt("optimizer-reset", "M", String.class, "ReLoRA: random or magnitude pruning of the adapters' AdamW state"
                        + " at each restart (default magnitude)"))
                .addOption(opt("reset-fraction", "P", Double.class, "ReLoRA: fraction of the state zeroed (default 0.9)"))
                .addOption(opt("warm-start", "N", Integer.class, "ReLoRA: full-rank updates before the low-rank phase (default 0)"))
                .addOption(opt("warm-start-lr", "LR", Double.class, "ReLoRA: peak rate of the warm start, the full-rank rate"
                        + " of the run the low-rank phase continues from (default --lr)"))
                .addOption(opt("min-lr-ratio", "X", Double.class, "ReLoRA: floor of the cosine envelope (default 0.1)"))
                .addOption(opt("relora-init-a", "M", String.class, "ReLoRA: the factor A when the low-rank phase starts,"
                        + " random or zero (zero: the factors learn nothing until the first merge, as in the authors' code;"
                        + " default random)"))
                .addOption(opt("collect-steps", "N", Integer.class, "SparseGrad: updates whose gradients define the bases (default 10)"))
                .addOption(opt("keep", "K", Integer.class, "SparseGrad: rotated-gradient entries kept per layer and update"
                        + " (default 1% of the layer)"))
                .addOption(opt("sparse-variant", "V", String.class, "SparseGrad: paper (x·Qᵀ) or hosvd (x·Q) (default paper)"))
                .addOption(opt("linearity-weight", "X", Double.class, "λ of the linearity regularizer (default 0 = off)"))
                .addOption(opt("held-out", "P", Double.class, "language modelling: last fraction of the text held out (default 0.05)"))
                .addOption(opt("seed", "S", Integer.class, "seed (default 42)"))
                .addOption(opt("eval-every", "N", Integer.class, "evaluate every N steps (default: at the end)"))
                .addOption(opt("warmup", "N", Integer.class, "warm-up steps (default 10% of steps)"))
                .addOption(opt("weight-decay", "X", Double.class, "AdamW decoupled weight decay (default 0.01)"))
                .addOption(opt("max-grad-norm", "X", Double.class, "global gradient-norm clip (default 1.0)"))
                .addOption(opt("limit-train", "N", Integer.class, "use the first N training rows"))
                .addOption(opt("limit-test", "N", Integer.class, "use the first N test rows (blocks for language modelling)"))
                .addOption(opt("save-every", "N", Integer.class, "write a training checkpoint (<out>.ckpt) every N steps (default 50)"))
                .addOption(Option.builder().longOpt("resume").desc("continue from <out>.ckpt when it exists").build())
                .addOption(CliSupport.jsonOption());
    }

    /** With --resume, a folder an earlier run of linforge wrote is this run's own. */
    @Override
    public boolean ownsOutput(CommandLine cmd, Path out) {
        return cmd.hasOption("resume") && Outputs.isOwn(out);
    }

    @Override
    public int run(CommandLine cmd) throws Exception {
        TrainResult r = Training.train(options(cmd));
        if (r.decoder()) {
            System.out.printf("%s: held-out perplexity %.3f on %d blocks, loss %.4f, %,d trainable of %,d parameters"
                    + " (%.2f%%), peak RSS %.0f MB, %.0f tokens/s -> %s%n", r.method(), r.evalPerplexity(), r.evalSize(),
                    r.finalLoss(), r.trainableParameters(), r.totalParameters(),
                    100.0 * r.trainableParameters() / r.totalParameters(), r.peakRssBytes() / 1e6, r.tokensPerS(), r.out());
        } else {
            System.out.printf("%s: eval accuracy %.4f on %d rows, loss %.4f, %,d trainable of %,d parameters (%.2f%%), "
                    + "peak RSS %.0f MB, %.0f tokens/s -> %s%n", r.method(), r.evalAccuracy(), r.evalSize(), r.finalLoss(),
                    r.trainableParameters(), r.totalParameters(), 100.0 * r.trainableParameters() / r.totalParameters(),
                    r.peakRssBytes() / 1e6, r.tokensPerS(), r.out());
        }
        CliSupport.writeJson(cmd, r.toJson());
        return 0;
    }

    /** The command line as {@link TrainOptions}; options not given keep the API's defaults. */
    static TrainOptions options(CommandLine cmd) {
        TrainOptions.Builder b = TrainOptions.builder(CliSupport.requiredPath(cmd, "model"), CliSupport.requiredPath(cmd, "data"),
                CliSupport.requiredPath(cmd, "out"))
                .overwrite(cmd.hasOption("overwrite"))
                .rslora(cmd.hasOption("rslora"))
                .resume(cmd.hasOption("resume"));
        if (cmd.hasOption("method")) {
            b.method(cmd.getOptionValue("method"));
        }
        if (cmd.hasOption("lr")) {
            b.lr(CliSupport.doubleOption(cmd, "lr", 0));
        }
        b.schedule(cmd.getOptionValue("schedule"));
        if (cmd.hasOption("target-modules")) {
            b.targetModules(Arrays.stream(cmd.getOptionValue("target-modules").split(",")).map(String::trim)
                    .filter(s -> !s.isEmpty()).toList());
        }
        TrainOptions d = b.build();
        b.steps(CliSupport.intOption(cmd, "steps", d.steps()))
                .batch(CliSupport.intOption(cmd, "batch", d.batch()))
                .accumulate(CliSupport.intOption(cmd, "accumulate", d.accumulate()))
                .seq(CliSupport.intOption(cmd, "seq", d.seq()))
                .rank(CliSupport.intOption(cmd, "rank", d.rank()))
                .alpha(CliSupport.doubleOption(cmd, "alpha", d.alpha()))
                .loraDropout(CliSupport.doubleOption(cmd, "lora-dropout", d.loraDropout()))
                .reloraEvery(cmd.hasOption("relora-every") ? CliSupport.intOption(cmd, "relora-every", 0) : null)
                .restartWarmup(cmd.hasOption("restart-warmup") ? CliSupport.intOption(cmd, "restart-warmup", 0) : null)
                .optimizerReset(cmd.getOptionValue("optimizer-reset", d.optimizerReset()))
                .resetFraction(CliSupport.doubleOption(cmd, "reset-fraction", d.resetFraction()))
                .warmStart(CliSupport.intOption(cmd, "warm-start", d.warmStart()))
                .minLrRatio(CliSupport.doubleOption(cmd, "min-lr-ratio", d.minLrRatio()))
                .reloraInitA(cmd.getOptionValue("relora-init-a", d.reloraInitA()))
                .warmStartLr(CliSupport.doubleOption(cmd, "warm-start-lr", d.warmStartLr()))
                .collectSteps(CliSupport.intOption(cmd, "collect-steps", d.collectSteps()))
                .keep(CliSupport.intOption(cmd, "keep", d.keep()))
                .sparseVariant(cmd.getOptionValue("sparse-variant", d.sparseVariant()))
                .linearityWeight(CliSupport.doubleOption(cmd, "linearity-weight", d.linearityWeight()))
                .heldOut(CliSupport.doubleOption(cmd, "held-out", d.heldOut()))
                .seed(CliSupport.intOption(cmd, "seed", d.seed()))
                .evalEvery(CliSupport.intOption(cmd, "eval-every", d.evalEvery()))
                .warmup(cmd.hasOption("warmup") ? CliSupport.intOption(cmd, "warmup", 0) : null)
                .weightDecay(CliSupport.doubleOption(cmd, "weight-decay", d.weightDecay()))
                .maxGradNorm(CliSupport.doubleOption(cmd, "max-grad-norm", d.maxGradNorm()))
                .limitTrain(CliSupport.intOption(cmd, "limit-train", d.limitTrain()))
                .limitTest(CliSupport.intOption(cmd, "limit-test", d.limitTest()))
                .saveEvery(CliSupport.intOption(cmd, "save-every", d.saveEvery()));
        return b.build();
    }
}
