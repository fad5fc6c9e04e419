package io.linforge.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.linforge.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code linforge run} killed with SIGKILL in the middle of its train stage, then run again: the
 * stage is not taken as done, it resumes from its checkpoint, and the run ends with the artifacts
 * and metrics of an uninterrupted run.
 */
class RecipeKillTest {
    static final Path DATA = MiniLm.ROOT.resolve("recipes/data/spam-quick.jsonl");
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    Path recipe(String name, int steps, String lr) throws Exception {
        Path r = tmp.resolve(name + ".yaml");
        Files.writeString(r, """
                name: kill
                stages:
                  - stage: train
                    with: {model: "%s", data: "%s", method: lora, steps: %d, batch: 2, seq: 16, lr: %s, seed: 11,
                           limit-train: 32, limit-test: 4, eval-every: 3, save-every: 1, resume: true}
                """.formatted(MiniLm.checkpoint(), DATA, steps, lr));
        return r;
    }

    static JsonNode stage(Path run, String name) throws Exception {
        for (JsonNode s : JSON.readTree(run.resolve("manifest.json").toFile()).get("stages")) {
            if (s.get("name").asText().equals(name)) {
                return s;
            }
        }
        return null;
    }

    /** Runs {@code linforge run} in this JVM and returns what it printed on stderr (also passed through). */
    static String runCapturingErr(int expectedCode, String... args) throws Exception {
        PrintStream orig = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        OutputStream tee = new OutputStream() {
            @Override
            public void write(int b) {
                buf.write(b);
                orig.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                buf.write(b, off, len);
                orig.write(b, off, len);
            }
        };
        System.setErr(new PrintStream(tee, true, StandardCharsets.UTF_8));
        try {
            assertEquals(expectedCode, Main.execute(args));
        } finally {
            System.setErr(orig);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Test
    void killedMidStageRerunsToTheUninterruptedResult() throws Exception {
        Path recipe = recipe("r", 6, "5e-4");
        Path straight = tmp.resolve("straight");
        assertEquals(0, Main.execute("run", recipe.toString(), "--out", straight.toString()));

        Path killed = tmp.resolve("killed");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx4g", "-Dai.djl.offline=true", "-Djava.awt.headless=true",
                "-Dlinforge.root=" + MiniLm.ROOT, "-cp", System.getProperty("java.class.path"), "io.linforge.cli.Main",
                "run", recipe.toString(), "--out", killed.toString()));
        Path log = tmp.resolve("child.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Path state = killed.resolve("train.ckpt/state.json");
        int reached = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
        while (System.nanoTime() < deadline && p.isAlive() && reached < 2) {
            if (Files.isRegularFile(state)) {
                try {
                    reached = JSON.readTree(state.toFile()).path("step").asInt();
                } catch (java.io.IOException e) {
                    reached = 0; // being replaced right now
                }
            }
            Thread.sleep(50);
        }
        assertTrue(p.isAlive(), "the run finished before it could be killed: " + Files.readString(log));
        p.destroyForcibly(); // SIGKILL
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertTrue(reached >= 2 && reached < 6, "killed at step " + reached);

        // What the kill left: the stage recorded as running, no output, no result, a checkpoint.
        JsonNode after = stage(killed, "train");
        assertEquals("running", after.get("status").asText());
        assertFalse(Files.exists(killed.resolve("train")), "no half-written stage folder");
        assertFalse(Files.exists(killed.resolve("train.result.json")), "no result of an unfinished stage");
        Path staleCopy = tmp.resolve("stale.ckpt");
        copyTree(killed.resolve("train.ckpt"), staleCopy);

        String err = runCapturingErr(0, "run", recipe.toString(), "--out", killed.toString());
        assertTrue(err.contains("resuming from step"), "the rerun continues from the checkpoint:\n" + err);
        assertFalse(Files.exists(killed.resolve("train.ckpt")), "the checkpoint goes once the stage is done");
        assertArrayEquals(Files.readAllBytes(straight.resolve("train/adapter_model.safetensors")),
                Files.readAllBytes(killed.resolve("train/adapter_model.safetensors")),
                "killed at step " + reached + " and rerun: the adapter equals the uninterrupted run's");
        JsonNode a = stage(straight, "train").get("metrics");
        JsonNode b = stage(killed, "train").get("metrics");
        assertEquals("ok", stage(killed, "train").get("status").asText());
        for (String f : List.of("curve", "eval_accuracy", "final_loss", "trainable_parameters", "train_rows", "labels")) {
            assertEquals(a.get(f), b.get(f), f);
        }
        assertEquals(6, b.get("curve").size());
        assertTrue(b.get("curve").get(2).has("eval_accuracy"), "evaluated at step 3");

        // A third run has nothing to do.
        String third = runCapturingErr(0, "run", recipe.toString(), "--out", killed.toString());
        assertTrue(third.contains("train: unchanged, skipped"), third);

        // A checkpoint left by an attempt with other options is not resumed: the recipe changes
        // (2 steps, another learning rate) and the killed attempt's checkpoint is put back.
        Path changed = tmp.resolve("changed");
        copyTree(killed, changed);
        copyTree(staleCopy, changed.resolve("train.ckpt"));
        String fresh = runCapturingErr(0, "run", recipe("r2", 2, "3e-4").toString(), "--out", changed.toString());
        assertFalse(fresh.contains("resuming from step"), "a stale checkpoint was resumed:\n" + fresh);
        assertEquals(2, stage(changed, "train").get("metrics").get("curve").size());
    }

    static void copyTree(Path from, Path to) throws Exception {
        try (var s = Files.walk(from)) {
            for (Path f : (Iterable<Path>) s::iterator) {
                Path t = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(f, t);
                }
            }
        }
    }
}
