package io.linforge.maven;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.maven.plugin.MojoExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad configuration fails a goal with one line naming the parameter, as the goal spells it. */
class MisconfigurationTest {
    @Test
    void optionNamesBecomeParameterNames() {
        assertEquals("maxLength >= 2 and batch needed; trtSeq: '1,2' (expected MIN,OPT,MAX)",
                LinforgeMojo.parameterNames("--max-length >= 2 and --batch needed; --trt-seq: '1,2' (expected MIN,OPT,MAX)"));
    }

    @Test
    void missingParameter() {
        ValidateMojo m = new ValidateMojo();
        m.candidate = new File("b.onnx");
        MojoExecutionException e = assertThrows(MojoExecutionException.class, m::execute);
        assertEquals("linforge:ValidateMojo: parameter 'reference' is missing", e.getMessage());
    }

    @Test
    void badValueNamesTheParameter(@TempDir Path dir) throws Exception {
        Path model = Files.createDirectories(dir.resolve("m"));
        BenchMojo m = new BenchMojo();
        m.model = model.toFile();
        m.seq = "16,x";
        MojoExecutionException e = assertThrows(MojoExecutionException.class, m::execute);
        assertEquals("linforge:BenchMojo: seq: expected positive integers separated by commas, got '16,x'", e.getMessage());
    }

    @Test
    void unreadableData(@TempDir Path dir) {
        ValidateMojo m = new ValidateMojo();
        m.reference = dir.resolve("missing-a.onnx").toFile();
        m.candidate = dir.resolve("missing-b.onnx").toFile();
        m.data = dir.resolve("none.jsonl").toFile();
        MojoExecutionException e = assertThrows(MojoExecutionException.class, m::execute);
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        assertEquals(true, e.getMessage().startsWith("linforge:ValidateMojo: ") && e.getMessage().contains("reference"),
                e.getMessage());
    }

    @Test
    void trainingGoalsNameTheirParameters(@TempDir Path dir) {
        TrainMojo t = new TrainMojo();
        t.model = new File("../core/src/test/resources/fixtures/hf/bert");
        t.out = dir.resolve("lora").toFile();
        MojoExecutionException missing = assertThrows(MojoExecutionException.class, t::execute);
        assertEquals("linforge:TrainMojo: parameter 'data' is missing", missing.getMessage());
        t.data = dir.resolve("d.jsonl").toFile();
        t.lr = Double.NaN;
        MojoExecutionException nan = assertThrows(MojoExecutionException.class, t::execute);
        assertEquals("linforge:TrainMojo: lr: expected a finite number, got 'NaN'", nan.getMessage());

        CompressMojo c = new CompressMojo();
        c.model = t.model;
        c.data = t.data;
        c.out = dir.resolve("small").toFile();
        c.heal = "prune";
        MojoExecutionException heal = assertThrows(MojoExecutionException.class, c::execute);
        assertEquals("linforge:CompressMojo: heal: 'prune' is not one of none, lora, distill", heal.getMessage());
        c.heal = null;
        c.healSteps = 5;
        MojoExecutionException steps = assertThrows(MojoExecutionException.class, c::execute);
        assertEquals("linforge:CompressMojo: healSteps: only with heal lora or heal distill", steps.getMessage());
        assertEquals(false, Files.exists(dir.resolve("lora")) || Files.exists(dir.resolve("small")));
    }
}
