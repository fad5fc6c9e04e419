package io.linforge.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.core.LinforgeException;
import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.core.config.ModelConfig;
import io.linforge.core.io.Outputs;
import io.linforge.trainer.CausalLmTrainer;
import io.linforge.trainer.ClassifierTrainer;
import io.linforge.trainer.TrainConfig;
import io.linforge.trainer.optim.Schedule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/**
 * {@code linforge train --model DIR --data FILE --method lora|relora|sparsegrad|bitfit|full --out ADIR}:
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
                .addOption(opt("method", "M", String.class, "lora (default), relora, sparsegrad, bitfit or full"))
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
                .addOption(opt("min-lr-ratio", "X", Double.class, "ReLoRA: floor of the cosine envelope (default 0.1)"))
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
        Path model = CliSupport.requiredPath(cmd, "model");
        ModelConfig mc = ModelConfig.read(model.resolve(Checkpoint.CONFIG));
        boolean lm = mc.isDecoder();
        TrainConfig c = config(cmd, lm);
        mc.checkSequence("--seq", 0, c.seq(), model.resolve(Checkpoint.CONFIG));
        Path out = CliSupport.requiredPath(cmd, "out");
        Path data = CliSupport.requiredPath(cmd, "data");
        if (!Files.isRegularFile(data)) {
            throw LinforgeException.badInput(data, "file", "missing");
        }
        ObjectNode r;
        if (lm) {
            r = CausalLmTrainer.train(model, data, out, c, CliSupport.doubleOption(cmd, "held-out", 0.05));
            System.out.printf("%s: held-out perplexity %.3f on %d blocks, loss %.4f, %,d trainable of %,d parameters"
                    + " (%.2f%%), peak RSS %.0f MB, %.0f tokens/s -> %s%n", c.method(), r.get("eval_perplexity").asDouble(),
                    r.get("eval_blocks").asInt(), r.get("final_loss").asDouble(), r.get("trainable_parameters").asLong(),
                    r.get("total_parameters").asLong(), 100 * r.get("trainable_fraction").asDouble(),
                    r.get("peak_rss_bytes").asDouble() / 1e6, r.get("tokens_per_s").asDouble(), out);
        } else {
            r = ClassifierTrainer.train(model, data, out, c);
            System.out.printf("%s: eval accuracy %.4f on %d rows, loss %.4f, %,d trainable of %,d parameters (%.2f%%), "
                    + "peak RSS %.0f MB, %.0f tokens/s -> %s%n", c.method(), r.get("eval_accuracy").asDouble(),
                    r.get("eval_rows").asInt(), r.get("final_loss").asDouble(), r.get("trainable_parameters").asLong(),
                    r.get("total_parameters").asLong(), 100 * r.get("trainable_fraction").asDouble(),
                    r.get("peak_rss_bytes").asDouble() / 1e6, r.get("tokens_per_s").asDouble(), out);
        }
        CliSupport.writeJson(cmd, r);
        return 0;
    }

    static TrainConfig config(CommandLine cmd, boolean lm) {
        String method = cmd.getOptionValue("method", "lora");
        int steps = CliSupport.intOption(cmd, "steps", 200);
        double dfltLr = switch (method) {
            case "full" -> 5e-5;
            case "bitfit" -> 1e-3;
            case "sparsegrad" -> 1e-4;
            default -> 5e-4;
        };
        String dfltTargets = lm ? "q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj" : "query,value";
        List<String> targets = Arrays.stream(cmd.getOptionValue("target-modules", dfltTargets).split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).toList();
        Schedule.Kind schedule = null;
        if (cmd.hasOption("schedule")) {
            schedule = Schedule.parse(cmd.getOptionValue("schedule"));
            if (schedule == null) {
                throw LinforgeException.badInput("--schedule: '" + cmd.getOptionValue("schedule")
                        + "' is not one of constant, linear, cosine, jagged");
            }
        }
        TrainConfig.ReLoraOptions rd = TrainConfig.ReLoraOptions.defaults(steps);
        TrainConfig.ReLoraOptions relora = new TrainConfig.ReLoraOptions(
                CliSupport.intOption(cmd, "relora-every", rd.every()),
                CliSupport.intOption(cmd, "restart-warmup", rd.restartWarmup()),
                cmd.getOptionValue("optimizer-reset", rd.reset()),
                CliSupport.doubleOption(cmd, "reset-fraction", rd.prune()),
                CliSupport.intOption(cmd, "warm-start", rd.warmStart()),
                CliSupport.doubleOption(cmd, "min-lr-ratio", rd.minLrRatio()));
        TrainConfig.SparseGradOptions sd = TrainConfig.SparseGradOptions.defaults();
        TrainConfig.SparseGradOptions sparse = new TrainConfig.SparseGradOptions(
                CliSupport.intOption(cmd, "collect-steps", sd.collectSteps()),
                CliSupport.intOption(cmd, "keep", sd.keep()),
                cmd.getOptionValue("sparse-variant", sd.variant()));
        return new TrainConfig(method, steps, CliSupport.intOption(cmd, "batch", 16),
                CliSupport.doubleOption(cmd, "lr", dfltLr), CliSupport.intOption(cmd, "seq", 128),
                CliSupport.intOption(cmd, "rank", 8), CliSupport.doubleOption(cmd, "alpha", 16),
                CliSupport.doubleOption(cmd, "lora-dropout", 0.1), cmd.hasOption("rslora"), targets,
                CliSupport.intOption(cmd, "seed", 42), CliSupport.intOption(cmd, "eval-every", 0),
                CliSupport.intOption(cmd, "warmup", Math.max(1, steps / 10)), CliSupport.doubleOption(cmd, "weight-decay", 0.01),
                CliSupport.doubleOption(cmd, "max-grad-norm", 1.0), CliSupport.intOption(cmd, "limit-train", 0),
                CliSupport.intOption(cmd, "limit-test", 0), CliSupport.intOption(cmd, "save-every", 50),
                cmd.hasOption("resume"), CliSupport.intOption(cmd, "accumulate", 1), schedule, relora, sparse,
                CliSupport.doubleOption(cmd, "linearity-weight", 0));
    }
}
