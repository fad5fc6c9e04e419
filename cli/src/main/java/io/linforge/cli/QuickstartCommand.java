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
        Path out = Path.of(cmd.getOptionValue("out", "runs/quickstart"));
        List<StageResult> results = new ArrayList<>();
        int code = RunCommand.runRecipe(recipe, out, results);
        if (code != 0) {
            return code;
        }
        JsonNode train = metrics(results, "train");
        JsonNode validate = metrics(results, "validate");
        JsonNode fp32 = metrics(results, "export-fp32");
        JsonNode fp16 = metrics(results, "export-fp16");
        JsonNode bench = metrics(results, "bench");
        System.out.println();
        System.out.println("quickstart summary");
        System.out.printf("  fine-tune      LoRA r=8 on %d spam/ham rows: eval accuracy %.4f (%,d trainable parameters)%n",
                train.path("train_rows").asInt(), train.path("eval_accuracy").asDouble(),
                train.path("trainable_parameters").asLong());
        System.out.printf("  accuracy       fp32 export %.4f, fp16 export %.4f (drop %.4f), logit cosine %.6f -> gates %s%n",
                validate.path("metrics").path("reference_accuracy").asDouble(),
                validate.path("metrics").path("candidate_accuracy").asDouble(),
                validate.path("metrics").path("accuracy_drop").asDouble(),
                validate.path("metrics").path("logit_cosine_mean").asDouble(),
                validate.path("passed").asBoolean() ? "passed" : "FAILED");
        System.out.printf("  size           fp32 %.1f MB, fp16 %.1f MB%n", fp32.path("bytes").asDouble() / 1e6,
                fp16.path("bytes").asDouble() / 1e6);
        for (JsonNode r : bench.path("results")) {
            System.out.printf("  latency (cpu)  batch %d x %d tokens: p50 %.1f ms, %.0f tokens/s%n", r.path("batch").asInt(),
                    r.path("seq").asInt(), r.path("p50_ms").asDouble(), r.path("tokens_per_s").asDouble());
        }
        System.out.printf("  report         %s%n", out.toAbsolutePath().resolve("report.html"));
        return 0;
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
