package io.linforge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import io.linforge.cli.InfoCommandTest.Run;
import io.linforge.trainer.Progress;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Progress and warnings go through the log: --quiet keeps warnings and errors, --verbose adds debug lines. */
class LoggingTest {
    @TempDir
    Path dir;

    Path recipe() throws Exception {
        return Files.writeString(dir.resolve("one.yaml"), "name: one\nstages:\n  - stage: import\n    with: {onnx: \""
                + CliContractTest.FIXTURES.resolve("bert_export/model.onnx") + "\"}\n");
    }

    @Test
    void quietKeepsTheRunsProgressLinesOffAndVerboseAddsDebugLines() throws Exception {
        Run plain = InfoCommandTest.run("run", recipe().toString(), "--out", dir.resolve("a").toString());
        assertEquals(0, plain.code(), plain.err());
        assertTrue(plain.err().contains("[1/1] import: linforge import --onnx "), plain.err());
        assertTrue(plain.err().contains("one: 1 stages (0 skipped) in "), plain.err());
        assertFalse(plain.err().contains("stage key"), plain.err());

        Run quiet = InfoCommandTest.run("run", recipe().toString(), "--out", dir.resolve("b").toString(), "--quiet");
        assertEquals(0, quiet.code(), quiet.err());
        assertFalse(quiet.err().contains("[1/1]"), quiet.err());
        assertFalse(quiet.err().contains("stages (0 skipped)"), quiet.err());
        assertTrue(Files.isRegularFile(dir.resolve("b/import/config.json")));

        // before the command name, as a global switch; the stage run inside inherits it
        Run verbose = InfoCommandTest.run("--verbose", "run", recipe().toString(), "--out", dir.resolve("c").toString());
        assertEquals(0, verbose.code(), verbose.err());
        assertTrue(verbose.err().contains("import: stage key "), verbose.err());
        assertTrue(verbose.err().contains(" run --verbose " + recipe() + " --out " + dir.resolve("c") + " (java "),
                verbose.err());
        assertTrue(verbose.err().contains(" import --onnx "), verbose.err());
        assertTrue(verbose.err().contains("[1/1] import: linforge import"), verbose.err());

        // the level is the run's only: the next command logs at INFO again
        Run after = InfoCommandTest.run("run", recipe().toString(), "--out", dir.resolve("d").toString());
        assertTrue(after.err().contains("[1/1] import"), after.err());
        assertFalse(after.err().contains("stage key"), after.err());
    }

    @Test
    void jsonDashStdoutIsOneDocumentWhateverTheLogShows() throws Exception {
        Run r = InfoCommandTest.run("--verbose", "info", CliContractTest.FIXTURES.resolve("bert").toString(), "--json", "-");
        assertEquals(0, r.code(), r.err());
        JsonNode j = CliSupport.JSON.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readTree(r.out());
        assertEquals("bert", j.get("model_type").asText());
        assertTrue(r.err().contains(" info ") && r.err().contains("(java "), "a debug line on stderr: " + r.err());
        assertTrue(r.err().contains("model_type    bert"), r.err());
    }

    @Test
    void quietAndVerboseTogetherAreBadUsage() {
        Run r = InfoCommandTest.run("info", CliContractTest.FIXTURES.resolve("bert").toString(), "--quiet", "--verbose");
        assertEquals(2, r.code());
        assertEquals("linforge info: --quiet, --verbose: give one of them, not both\n", r.err());
    }

    @Test
    void progressOffATerminalIsALogLineWithoutABarAndQuietDropsIt() {
        String shown = progress(false);
        assertTrue(shown.contains("steps 3/3 last  ") && shown.endsWith("s\n"), shown);
        assertFalse(shown.contains("\r") || shown.contains("#"), shown);
        assertEquals("", progress(true));
    }

    static String progress(boolean quiet) {
        PrintStream e = System.err;
        ByteArrayOutputStream be = new ByteArrayOutputStream();
        try (Logging level = Logging.of(quiet, false)) {
            System.setErr(new PrintStream(be, true, StandardCharsets.UTF_8));
            Progress p = new Progress("steps", 3); // tests run without a console: no bar
            p.update(1, "first");
            p.update(3, "last");
            p.done();
        } finally {
            System.setErr(e);
        }
        return be.toString(StandardCharsets.UTF_8);
    }
}
