package io.linforge.cli.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.linforge.core.LinforgeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecipeTest {
    @TempDir
    Path dir;

    private Path write(String yaml) throws IOException {
        Files.writeString(dir.resolve("data.jsonl"), "{\"text\":\"a\",\"label\":\"x\"}\n");
        Path p = dir.resolve("r.yaml");
        Files.writeString(p, yaml);
        return p;
    }

    private LinforgeException fails(String yaml) throws IOException {
        Path p = write(yaml);
        return assertThrows(LinforgeException.class, () -> {
            Recipe r = Recipe.read(p);
            new RecipeRunner(r, dir.resolve("run")).run(new java.util.ArrayList<>());
        });
    }

    @Test
    void parsesStagesOptionsAndReferences() throws IOException {
        Recipe r = Recipe.read(write("""
                name: demo
                stages:
                  - stage: train
                    with: {model: data.jsonl, data: data.jsonl, method: lora, steps: 20, lr: 1e-3}
                  - stage: bench
                    with:
                      model: ${train}
                      batch: [1, 8]
                  - stage: bench
                """));
        assertEquals("demo", r.name());
        assertEquals(List.of("train", "bench", "bench-2"), r.stages().stream().map(Recipe.StageSpec::name).toList());
        assertEquals(20L, r.stages().get(0).options().get("steps").value());
        assertEquals(1e-3, (Double) r.stages().get(0).options().get("lr").value(), 0);
        assertEquals(List.of("1", "8"), r.stages().get(1).options().get("batch").value());
        assertEquals(8, r.stages().get(1).options().get("batch").line());
    }

    @Test
    void unknownOptionNamesLineAndField() throws IOException {
        LinforgeException e = fails("""
                stages:
                  - stage: train
                    with:
                      model: data.jsonl
                      stpes: 10
                """);
        assertEquals(2, e.exitCode());
        assertTrue(e.getMessage().contains("r.yaml:5"), e.getMessage());
        assertTrue(e.getMessage().contains("stages[0].with.stpes"), e.getMessage());
    }

    @Test
    void wrongTypeNamesLineAndField() throws IOException {
        LinforgeException e = fails("""
                stages:
                  - stage: train
                    with: {model: data.jsonl,
                           steps: many}
                """);
        assertEquals(2, e.exitCode());
        assertTrue(e.getMessage().contains("r.yaml:4"), e.getMessage());
        assertTrue(e.getMessage().contains("stages[0].with.steps: expected an integer"), e.getMessage());
        LinforgeException b = fails("stages:\n  - stage: export\n    with: {model: data.jsonl, fp16: yes please}\n");
        assertTrue(b.getMessage().contains("r.yaml:3") && b.getMessage().contains("fp16"), b.getMessage());
    }

    /** YAML 1.1's other number notations (base 60, hex, octal, .inf) are refused, not parsed as something else. */
    @Test
    void numbersOtherThanDecimalAreRefusedNamingTheField() throws IOException {
        String[][] cases = {
            {"alpha: 1:16", "stages[0].with.alpha: expected a decimal number, got '1:16'"},
            {"lr: .inf", "stages[0].with.lr: expected a decimal number, got '.inf'"},
            {"lr: 1e999", "stages[0].with.lr: expected a finite number, got '1e999'"},
            {"steps: 0x10", "stages[0].with.steps: expected a decimal integer (digits, no leading zero), got '0x10'"},
            {"seed: 017", "stages[0].with.seed: expected a decimal integer (digits, no leading zero), got '017'"},
            {"steps: 1:30", "stages[0].with.steps: expected a decimal integer (digits, no leading zero), got '1:30'"},
        };
        for (String[] c : cases) {
            LinforgeException e = fails("stages:\n  - stage: train\n    with:\n      " + c[0] + "\n");
            assertEquals(2, e.exitCode());
            assertEquals(dir.resolve("r.yaml") + ":4: " + c[1], e.getMessage());
        }
        Recipe ok = Recipe.read(write("stages:\n  - stage: train\n    with: {steps: 1_000, lr: 2.5e-4, alpha: -3, seed: 0}\n"));
        Map<String, Recipe.Value> o = ok.stages().get(0).options();
        assertEquals(1000L, o.get("steps").value());
        assertEquals(2.5e-4, (Double) o.get("lr").value(), 0);
        assertEquals(-3.0, (Double) o.get("alpha").value(), 0);
        assertEquals(0L, o.get("seed").value());
    }

    @Test
    void unknownStageAndTopLevelKey() throws IOException {
        LinforgeException e = fails("stages:\n  - stage: trian\n");
        assertTrue(e.getMessage().contains("r.yaml:2") && e.getMessage().contains("stages[0].stage"), e.getMessage());
        LinforgeException t = fails("name: x\nstage:\n  - stage: train\n");
        assertTrue(t.getMessage().contains("r.yaml:2") && t.getMessage().contains("stage: unknown key"),
                t.getMessage());
    }

    @Test
    void missingFileFailsBeforeAnythingRuns() throws IOException {
        LinforgeException e = fails("""
                stages:
                  - stage: train
                    with: {model: data.jsonl, data: data.jsonl}
                  - stage: bench
                    with:
                      model: nowhere/model.onnx
                """);
        assertEquals(2, e.exitCode());
        assertTrue(e.getMessage().contains("r.yaml:6"), e.getMessage());
        assertTrue(e.getMessage().contains("stages.bench.with.model"), e.getMessage());
        assertTrue(!Files.exists(dir.resolve("run")), "nothing may be written");
    }

    @Test
    void referenceToLaterOrUnknownStageFails() throws IOException {
        LinforgeException e = fails("""
                stages:
                  - stage: bench
                    with: {model: "${export}/model.onnx"}
                  - stage: export
                    with: {model: data.jsonl}
                """);
        assertTrue(e.getMessage().contains("r.yaml:3") && e.getMessage().contains("${export}"), e.getMessage());
    }

    @Test
    void malformedYamlNamesLine() throws IOException {
        LinforgeException e = fails("stages:\n  - stage: train\n    with: {model: [unclosed\n");
        assertEquals(2, e.exitCode());
        assertTrue(e.getMessage().startsWith(dir.resolve("r.yaml") + ":"), e.getMessage());
    }
}
