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

    @Test
    void initAndGenerateGoals(@TempDir Path dir) throws Exception {
        Path cfg = dir.resolve("tiny.json");
        Files.writeString(cfg, "{\"architectures\": [\"LlamaForCausalLM\"], \"model_type\": \"llama\", \"vocab_size\": 257,"
                + " \"hidden_size\": 16, \"intermediate_size\": 24, \"num_hidden_layers\": 1, \"num_attention_heads\": 2,"
                + " \"num_key_value_heads\": 1, \"max_position_embeddings\": 32, \"tie_word_embeddings\": true}");
        InitMojo init = new InitMojo();
        init.config = cfg.toFile();
        MojoExecutionException missing = assertThrows(MojoExecutionException.class, init::execute);
        assertEquals("linforge:InitMojo: parameter 'out' is missing", missing.getMessage());
        init.out = dir.resolve("init").toFile();
        init.tokenizer = dir.resolve("none.json").toString();
        MojoExecutionException tok = assertThrows(MojoExecutionException.class, init::execute);
        assertEquals("linforge:InitMojo: " + dir.resolve("none.json") + ": file: missing (tokenizer)", tok.getMessage());
        init.tokenizer = null;
        init.json = dir.resolve("init.json").toFile();
        init.execute();
        // tied embeddings 257 x 16; q 16x16, k and v 8x16, o 16x16, gate and up 24x16, down 16x24, two norms; final norm
        long params = 257 * 16 + (16 * 16 + 2 * 8 * 16 + 16 * 16 + 3 * 24 * 16 + 2 * 16) + 16;
        assertEquals(params, io.linforge.api.Json.MAPPER.readTree(init.json).get("parameters").asLong());
        assertEquals(true, Files.isRegularFile(dir.resolve("init/model.safetensors")));

        GenerateMojo gen = new GenerateMojo();
        gen.model = dir.resolve("init").toFile();
        MojoExecutionException noPrompt = assertThrows(MojoExecutionException.class, gen::execute);
        assertEquals("linforge:GenerateMojo: parameter 'prompt' is missing", noPrompt.getMessage());
        gen.prompt = "x";
        gen.model = dir.resolve("none.onnx").toFile();
        MojoExecutionException noModel = assertThrows(MojoExecutionException.class, gen::execute);
        assertEquals(1, noModel.getMessage().lines().count(), noModel.getMessage());
        assertEquals(true, noModel.getMessage().startsWith("linforge:GenerateMojo: ") && noModel.getMessage().contains("model"),
                noModel.getMessage());
    }
}
