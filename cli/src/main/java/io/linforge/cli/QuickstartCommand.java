package io.linforge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.linforge.cli.recipe.Recipe;
import io.linforge.cli.recipe.RecipeRunner;
import io.linforge.cli.recipe.RecipeRunner.StageResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/** {@code linforge quickstart [--out DIR]}: the quickstart recipe on the bundled model and data, with a summary. */
public final class QuickstartCommand implements Command {
    @Override
    public String name() {
        return "quickstart";
    }

    @Override
    public String summary() {
        return "runs the quickstart recipe on the bundled model and data";
    }

    @Override
    public Options options() {
        return new Options().addOption(Option.builder().longOpt("out").hasArg().argName("DIR")
                .desc("run folder (default runs/quickstart)").build());
    }

    @Override
    public int run(CommandLine cmd) throws Exception {
        Recipe recipe = Recipe.read(RecipeRunner.linforgeRoot().resolve("recipes/quickstart.yaml"));
        Path out = outputFolder(cmd);
        List<StageResult> results = new ArrayList<>();
        int code = RunCommand.runRecipe(recipe, out, results);
        if (code != 0) {
            return code;
        }
        JsonNode train = metrics(results, "train");
        JsonNode compress = metrics(results, "compress");
        JsonNode validate = metrics(results, "validate");
        JsonNode ft = metrics(results, "export-finetuned");
        JsonNode cp = metrics(results, "export-compressed");
        JsonNode bench = metrics(results, "bench");
        System.out.println();
        System.out.println("quickstart summary");
        System.out.printf("  fine-tune      LoRA r=8 on %d spam/ham rows: eval accuracy %.4f (%,d trainable parameters)%n",
                train.path("train_rows").asInt(), train.path("eval_accuracy").asDouble(),
                train.path("trainable_parameters").asLong());
        System.out.printf("  compress       layers %s of %d replaced by linear maps (test accuracy %.4f before healing)%n",
                compress.path("replaced_layers"), compress.path("layers").asInt(),
                compress.path("test_accuracy_after").asDouble());
        System.out.printf("  heal           LoRA, %d steps: test accuracy %.4f%n", metrics(results, "heal").path("steps").asInt(),
                metrics(results, "heal").path("eval_accuracy").asDouble());
        System.out.printf("  accuracy       fine-tuned %.4f, compressed %.4f (drop %.4f) -> gate %s%n",
                validate.path("metrics").path("reference_accuracy").asDouble(),
                validate.path("metrics").path("candidate_accuracy").asDouble(),
                validate.path("metrics").path("accuracy_drop").asDouble(),
                validate.path("passed").asBoolean() ? "passed" : "FAILED");
        System.out.printf("  size           fine-tuned %.1f MB, compressed %.1f MB (%,d -> %,d parameters)%n",
                ft.path("bytes").asDouble() / 1e6, cp.path("bytes").asDouble() / 1e6, ft.path("parameters").asLong(),
                cp.path("parameters").asLong());
        for (JsonNode r : bench.path("results")) {
            System.out.printf("  latency (cpu)  batch %d x %d: compressed p50 %.1f ms vs fine-tuned %.1f ms (ratio %.3f)%n",
                    r.path("batch").asInt(), r.path("seq").asInt(), r.path("candidate_p50_ms").asDouble(),
                    r.path("baseline_p50_ms").asDouble(), r.path("ratio_p50").asDouble());
        }
        System.out.printf("  report         %s%n", out.toAbsolutePath().resolve("report.html"));
        return 0;
    }

    @Override
    public Path outputFolder(CommandLine cmd) {
        return Path.of(cmd.getOptionValue("out", "runs/quickstart"));
    }

    @Override
    public boolean ownsOutput(CommandLine cmd, Path out) {
        return RunCommand.isRunFolder(out);
    }

    static JsonNode metrics(List<StageResult> results, String name) {
        for (StageResult r : results) {
            if (r.name().equals(name)) {
                return r.metrics();
            }
        }
        return CliSupport.JSON.createObjectNode();
    }
}
