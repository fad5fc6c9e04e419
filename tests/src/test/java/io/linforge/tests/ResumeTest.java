package io.linforge.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.linforge.cli.Main;
import io.linforge.trainer.TrainingCheckpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kill a training process with SIGKILL mid-run, resume it, and get the uninterrupted run's weights. */
class ResumeTest {
    static final Path DATA = MiniLm.ROOT.resolve("recipes/data/spam-quick.jsonl");

    @TempDir
    Path tmp;

    List<String> args(Path out) {
        return new ArrayList<>(List.of("train", "--model", MiniLm.checkpoint().toString(), "--data", DATA.toString(),
                "--method", "lora", "--steps", "8", "--batch", "4", "--seq", "32", "--limit-test", "8", "--seed", "11",
                "--save-every", "1", "--out", out.toString()));
    }

    @Test
    void killedRunResumesToTheSameWeights() throws Exception {
        Path straight = tmp.resolve("straight");
        assertEquals(0, Main.execute(args(straight).toArray(String[]::new)));

        Path killed = tmp.resolve("killed");
        Path ckpt = TrainingCheckpoint.dirFor(killed);
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx4g", "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"), "io.linforge.cli.Main"));
        cmd.addAll(args(killed));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile())
                .start();
        int reached = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (System.nanoTime() < deadline && p.isAlive()) {
            Path state = ckpt.resolve("state.json");
            if (Files.isRegularFile(state)) {
                try {
                    reached = new ObjectMapper().readTree(state.toFile()).path("step").asInt();
                } catch (java.io.IOException e) {
                    reached = 0; // being replaced right now
                }
                if (reached >= 3) {
                    break;
                }
            }
            Thread.sleep(50);
        }
        assertTrue(p.isAlive(), "the child finished before it could be killed: " + Files.readString(tmp.resolve("child.log")));
        p.destroyForcibly(); // SIGKILL
        p.waitFor(30, TimeUnit.SECONDS);
        assertTrue(reached >= 3 && reached < 8, "killed at step " + reached);
        assertFalse(Files.exists(killed), "no half-written output after the kill");

        List<String> resume = args(killed);
        resume.add("--resume");
        assertEquals(0, Main.execute(resume.toArray(String[]::new)));
        assertArrayEquals(Files.readAllBytes(straight.resolve("adapter_model.safetensors")),
                Files.readAllBytes(killed.resolve("adapter_model.safetensors")),
                "resumed from step " + reached + ": weights must equal the uninterrupted run's");
        assertFalse(Files.exists(ckpt), "the checkpoint is removed once the run completes");
    }
}
