package io.linforge.cli.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.linforge.cli.recipe.Recipe;
import io.linforge.core.fuzz.ParserContract;
import java.nio.file.Files;
import java.nio.file.Path;

/** The recipe parser: YAML, stages and their options. */
class RecipeFuzzTest {
    @FuzzTest(maxDuration = "60s")
    void recipe(byte[] data) throws Exception {
        Path dir = ParserContract.tempDir();
        try {
            Path f = dir.resolve("recipe.yaml");
            Files.write(f, data);
            ParserContract.parsesOrRejects(f, () -> Recipe.read(f));
        } finally {
            ParserContract.delete(dir);
        }
    }
}
