package io.linforge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.linforge.core.testing.BadInputTest;
import io.linforge.core.testing.BadInputs;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.io.TempDir;

/** train, analyze and compress refuse a --seq beyond the checkpoint's position table before any work, as bench does. */
class SequenceLengthTest {
    static final Path HF = ExportCommandTest.HF;

    @TempDir
    Path dir;

    void refused(String command, Path model, int positions, String... more) throws Exception {
        Path text = dir.resolve("text.txt");
        Files.writeString(text, "call me Ishmael. ".repeat(40));
        Path jsonl = dir.resolve("data.jsonl");
        Files.writeString(jsonl, "{\"text\":\"a\",\"label\":\"x\"}\n{\"text\":\"b\",\"label\":\"y\"}\n");
        Path out = dir.resolve(command + "-out");
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of(command, "--model", model.toString(),
                "--out", out.toString(), "--seq", String.valueOf(positions + 1)));
        args.addAll(java.util.List.of(more));
        args.replaceAll(a -> a.replace("TEXT", text.toString()).replace("JSONL", jsonl.toString()));
        InfoCommandTest.Run r = InfoCommandTest.run(args.toArray(String[]::new));
        assertEquals(2, r.code(), r.err() + r.out());
        assertEquals("linforge " + command + ": --seq: " + (positions + 1) + " positions exceed the model's position table ("
                + positions + " positions: " + model.resolve("config.json") + " max_position_embeddings)", r.err().strip());
        assertFalse(Files.exists(out));
        BadInputs.input("`" + command + " --seq` beyond the checkpoint's position table").path(model.getParent(), "")
                .record(r.code(), r.err());
    }

    @BadInputTest
    void decoderSequencesBeyondThePositionTable() throws Exception {
        Path llama = HF.resolve("llama");
        refused("train", llama, 128, "--data", "TEXT", "--steps", "1");
        refused("analyze", llama, 128, "--data", "TEXT");
        refused("compress", llama, 128, "--data", "TEXT");
    }

    @BadInputTest
    void encoderSequencesBeyondThePositionTable() throws Exception {
        refused("train", HF.resolve("bert"), 64, "--data", "JSONL", "--steps", "1");
        // RoBERTa's positions start after the padding index: 66 - (1 + 1)
        refused("analyze", HF.resolve("roberta"), 64, "--data", "JSONL");
    }
}
