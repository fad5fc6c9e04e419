package io.linforge.cli.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.linforge.cli.recipe.Recipe;
import io.linforge.core.fuzz.ParserContract;

/** The recipe parser: YAML, stages and their options. */
class RecipeFuzzTest {
    @FuzzTest(maxDuration = "60s")
    void recipe(byte[] data) throws Exception {
        ParserContract.parseFile(data, "recipe.yaml", Recipe::read);
    }
}
