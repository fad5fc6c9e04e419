package io.linforge.maven;

import io.linforge.cli.RunCommand;
import io.linforge.cli.recipe.Recipe;
import io.linforge.core.LinforgeException;
import io.linforge.core.io.Outputs;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/** {@code linforge run}: a recipe's stages into a run folder; unchanged stages are skipped on a rerun. */
@Mojo(name = "run", defaultPhase = LifecyclePhase.PACKAGE, threadSafe = true)
public class RunMojo extends LinforgeMojo {
    /** The recipe (YAML). */
    @Parameter
    File recipe;

    /** The run folder (default: target/runs/&lt;recipe name&gt;). */
    @Parameter
    File out;

    /** Only read and check the recipe. */
    @Parameter(defaultValue = "false")
    boolean check;

    @Override
    void run() throws IOException, MojoExecutionException {
        Recipe r = Recipe.read(path(require(recipe, "recipe")));
        if (check) {
            getLog().info(r.file() + ": " + r.stages().size() + " stages, ok");
            return;
        }
        Path dir = out != null ? out.toPath() : Path.of(project.getBuild().getDirectory(), "runs", r.name());
        Outputs.checkFolder(dir, "--out", false, Files.isDirectory(dir) && RunCommand.isRunFolder(dir));
        int code;
        try {
            code = RunCommand.runRecipe(r, dir, new ArrayList<>());
        } catch (LinforgeException | IOException e) {
            throw e;
        } catch (Exception e) {
            throw new LinforgeException(LinforgeException.FAILURE, e.toString(), e);
        }
        if (code != 0) {
            throw new LinforgeException(code, "recipe " + r.name() + " failed (exit " + code + "); see " + dir);
        }
    }
}
