package io.linforge.cli;

import io.linforge.cli.recipe.Recipe;
import io.linforge.cli.recipe.RecipeRunner;
import io.linforge.cli.recipe.RecipeRunner.StageResult;
import io.linforge.core.LinforgeException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/** {@code linforge run RECIPE.yaml [--out DIR]}. */
public final class RunCommand implements Command {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RunCommand.class);

    @Override
    public String name() {
        return "run";
    }

    @Override
    public String summary() {
        return "runs a recipe's stages; skips stages whose inputs and options are unchanged";
    }

    @Override
    public String positional() {
        return "RECIPE.yaml";
    }

    @Override
    public Options options() {
        return new Options()
                .addOption(Option.builder().longOpt("out").hasArg().argName("DIR")
                        .desc("run folder (default: runs/<recipe name>)").build())
                .addOption(Option.builder().longOpt("check").desc("only check the recipe as a run does before its first stage: options, required options, input files").build());
    }

    @Override
    public int run(CommandLine cmd) throws Exception {
        if (cmd.getArgList().size() != 1) {
            throw LinforgeException.badInput("expected exactly one recipe file (linforge run RECIPE.yaml)");
        }
        Recipe recipe = Recipe.read(Path.of(cmd.getArgList().get(0)));
        if (cmd.hasOption("check")) {
            new RecipeRunner(recipe, outputFolder(cmd)).check();
            System.out.println(recipe.file() + ": " + recipe.stages().size() + " stages, ok");
            return 0;
        }
        return runRecipe(recipe, outputFolder(cmd), new ArrayList<>());
    }

    @Override
    public Path outputFolder(CommandLine cmd) {
        if (cmd.hasOption("out") || cmd.getArgList().size() != 1) {
            return Command.super.outputFolder(cmd);
        }
        return Path.of("runs/" + Recipe.read(Path.of(cmd.getArgList().get(0))).name());
    }

    @Override
    public boolean ownsOutput(CommandLine cmd, Path out) {
        return isRunFolder(out);
    }

    /** A folder a recipe run wrote: its manifest names the recipe, or a run holds (or held) its lock. */
    public static boolean isRunFolder(Path dir) {
        if (java.nio.file.Files.isRegularFile(dir.resolve(io.linforge.cli.recipe.RunLock.FILE))) {
            return true;
        }
        try {
            return CliSupport.JSON.readTree(dir.resolve("manifest.json").toFile()).hasNonNull("recipe_name");
        } catch (java.io.IOException e) {
            return false;
        }
    }

    public static int runRecipe(Recipe recipe, Path out, List<StageResult> results) throws Exception {
        RecipeRunner runner = new RecipeRunner(recipe, out);
        long t0 = System.nanoTime();
        int code = runner.run(results);
        double s = (System.nanoTime() - t0) / 1e9;
        long skipped = results.stream().filter(r -> r.status().equals("skipped")).count();
        LOG.info(String.format(java.util.Locale.ROOT, "%s: %d stages (%d skipped) in %.1f s -> %s (report %s)", recipe.name(),
                results.size(), skipped, s, runner.runDir(), io.linforge.cli.recipe.Report.FILE));
        return code;
    }
}
