package io.linforge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.linforge.cli.recipe.RunLock;
import io.linforge.core.testing.BadInputTest;
import io.linforge.core.testing.BadInputs;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code run --check} refuses what a run refuses before its first stage; two runs into one folder are locked out. */
class RunCommandTest {
    /** A recipe of one train stage whose inputs exist. */
    static final String TRAIN = "stages:\n  - stage: train\n    with: {model: data.jsonl, data: data.jsonl}\n";

    @TempDir
    Path dir;

    Path recipe(String yaml) throws Exception {
        Files.writeString(dir.resolve("data.jsonl"), "{\"text\":\"a\",\"label\":\"x\"}\n");
        Path p = dir.resolve("r.yaml");
        Files.writeString(p, yaml);
        return p;
    }

    /** The check and the run give the same one line, exit 2, and the run writes nothing. */
    void checkAndRunRefuse(String input, Path recipe, String expected) {
        Path out = dir.resolve("run");
        InfoCommandTest.Run check = InfoCommandTest.run("run", recipe.toString(), "--out", out.toString(), "--check");
        assertEquals(2, check.code(), check.err() + check.out());
        assertEquals("linforge run: " + expected, check.err().strip());
        BadInputs.input(input).path(dir, "").record(check.code(), check.err());
        InfoCommandTest.Run run = InfoCommandTest.run("run", recipe.toString(), "--out", out.toString());
        assertEquals(2, run.code(), run.err() + run.out());
        assertEquals(check.err(), run.err());
        assertFalse(Files.exists(out), "nothing is written");
    }

    @BadInputTest
    void checkRefusesAStageWithoutItsRequiredOptions() throws Exception {
        Path r = recipe(TRAIN + "  - stage: bench\n");
        checkAndRunRefuse("a recipe stage without `with:` (`run` and `run --check`)", r,
                r + ":4: stages.bench.with: missing model (required by linforge bench)");
        Path t = recipe("""
                stages:
                  - stage: train
                    with: {method: lora}
                """);
        checkAndRunRefuse("a recipe stage without an option its command requires (`run` and `run --check`)", t,
                t + ":2: stages.train.with: missing model, data (required by linforge train)");
    }

    @BadInputTest
    void checkRefusesAMissingDataFile() throws Exception {
        Path r = recipe(TRAIN.replace("data: data.jsonl", "data: missing.jsonl"));
        checkAndRunRefuse("a recipe's input file that does not exist (`run` and `run --check`)", r,
                r + ":3: stages.train.with.data: no such file or folder: " + dir.resolve("missing.jsonl"));
    }

    @Test
    void checkPassesARecipeWhoseInputsComeFromEarlierStages() throws Exception {
        Path r = recipe(TRAIN + "  - stage: bench\n    with:\n      model: ${train}\n");
        InfoCommandTest.Run check = InfoCommandTest.run("run", r.toString(), "--out", dir.resolve("run").toString(),
                "--check");
        assertEquals(0, check.code(), check.err());
        assertEquals(r + ": 2 stages, ok", check.out().strip());
    }

    static String lockedMessage(Path out, long pid) {
        return "linforge run: " + out + ": lock: another linforge run (pid " + pid
                + ") is running into this folder; wait for it to end or choose another --out";
    }

    @BadInputTest
    void aSecondRunIntoTheFolderOfARunningOneIsRefusedNamingItsPid() throws Exception {
        Path r = recipe(TRAIN);
        Path out = dir.resolve("run");
        // the first run is another process holding the folder's lock
        Process holder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), "io.linforge.cli.recipe.RunLockHolder", out.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))) {
            assertEquals("locked", lines.readLine());
            InfoCommandTest.Run second = InfoCommandTest.run("run", r.toString(), "--out", out.toString());
            assertEquals(2, second.code(), second.err());
            assertEquals(lockedMessage(out, holder.pid()), second.err().strip());
            BadInputs.input("`run` into a run folder that another run is running into").path(dir, "")
                    .text("pid " + holder.pid(), "pid 4242").record(second.code(), second.err());
            assertFalse(Files.exists(out.resolve("manifest.json")), "the second run wrote nothing");
        } finally {
            holder.getOutputStream().close();
            assertEquals(true, holder.waitFor(60, TimeUnit.SECONDS));
        }
        assertEquals(0, holder.exitValue());
        // once the first has ended the folder is free again
        try (RunLock lock = RunLock.acquire(out)) {
            assertEquals(ProcessHandle.current().pid() + "\n", Files.readString(out.resolve(RunLock.FILE)));
        }
    }

    @Test
    void aRunInThisProcessHoldsTheLockToo() throws Exception {
        Path r = recipe(TRAIN);
        Path out = dir.resolve("run");
        try (RunLock lock = RunLock.acquire(out)) {
            InfoCommandTest.Run second = InfoCommandTest.run("run", r.toString(), "--out", out.toString());
            assertEquals(2, second.code(), second.err());
            assertEquals(lockedMessage(out, ProcessHandle.current().pid()), second.err().strip());
        }
    }
}
