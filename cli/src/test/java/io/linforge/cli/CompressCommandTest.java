package io.linforge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Healing options are checked before anything is read or written. */
class CompressCommandTest {
    @TempDir
    Path dir;

    InfoCommandTest.Run compress(String... extra) throws Exception {
        String[] base = {"compress", "--model", dir.resolve("model").toString(), "--data", dir.resolve("d.jsonl").toString(),
                "--out", dir.resolve("out").toString()};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        return InfoCommandTest.run(args);
    }

    @Test
    void badHealingOptionsExitTwoNamingTheFlag() throws Exception {
        String[][] cases = {
            {"--heal", "prune"}, {"--heal", "distill", "--distill-alpha", "1.5"},
            {"--heal", "distill", "--distill-temperature", "0"}, {"--heal", "distill", "--distill-alpha", "x"},
            {"--heal", "lora", "--distill-alpha", "0.5"}, {"--distill-temperature", "2"}, {"--heal-steps", "5"},
            {"--heal", "distill", "--heal-steps", "0"},
        };
        String[] flags = {"--heal", "--distill-alpha", "--distill-temperature", "--distill-alpha", "--distill-alpha",
            "--distill-temperature", "--heal-steps", "--heal-steps"};
        for (int i = 0; i < cases.length; i++) {
            InfoCommandTest.Run r = compress(cases[i]);
            assertEquals(2, r.code(), String.join(" ", cases[i]) + ": " + r.err());
            assertTrue(r.err().contains(flags[i]), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
        }
        assertFalse(Files.exists(dir.resolve("out")));
    }
}
