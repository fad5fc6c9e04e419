package io.linforge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.linforge.core.io.Outputs;
import io.linforge.core.testing.BadInputTest;
import io.linforge.core.testing.BadInputs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.cli.DefaultParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every command's output folder: existing files are never lost, bad paths are exit 2 with one line. */
class OutputFolderTest {
    static final Path HF = ExportCommandTest.HF;

    @TempDir
    Path dir;

    static void refused(InfoCommandTest.Run r, String command, Path named) {
        assertEquals(2, r.code(), r.err() + r.out());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("linforge " + command + ": ") && r.err().contains(named.toString()), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
    }

    String[] export(Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("export", "--model", HF.resolve("bert").toString(), "--out", out.toString()));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    Path folderWithUserFiles(String name) throws Exception {
        Path out = dir.resolve(name);
        Files.createDirectories(out.resolve("notes"));
        Files.writeString(out.resolve("keep.txt"), "mine");
        Files.writeString(out.resolve("notes/n.txt"), "also mine");
        Files.writeString(out.resolve("model.onnx"), "an older file of the same name");
        return out;
    }

    @BadInputTest
    void exportIntoAFolderWithOtherFilesIsRefusedAndTouchesNothing() throws Exception {
        Path out = folderWithUserFiles("existing");
        InfoCommandTest.Run r = InfoCommandTest.run(export(out));
        refused(r, "export", out);
        BadInputs.input("`--out` exists and is not empty, without `--overwrite`").path(dir, "").record(r.code(), r.err());
        assertTrue(r.err().contains("--overwrite"), r.err());
        assertEquals("mine", Files.readString(out.resolve("keep.txt")));
        assertEquals("also mine", Files.readString(out.resolve("notes/n.txt")));
        assertEquals("an older file of the same name", Files.readString(out.resolve("model.onnx")));
    }

    @Test
    void overwriteReplacesOnlyLinforgesFiles() throws Exception {
        Path out = folderWithUserFiles("existing");
        InfoCommandTest.Run r = InfoCommandTest.run(export(out, "--overwrite"));
        assertEquals(0, r.code(), r.err() + r.out());
        assertEquals("mine", Files.readString(out.resolve("keep.txt")));
        assertEquals("also mine", Files.readString(out.resolve("notes/n.txt")));
        assertTrue(Files.size(out.resolve("model.onnx")) > 1000, "the export's model.onnx replaced the old one");
        assertTrue(Files.isRegularFile(out.resolve("config.json")));
        List<String> marker = Files.readAllLines(out.resolve(Outputs.MARKER));
        assertTrue(marker.contains("model.onnx") && marker.contains("config.json") && !marker.contains("keep.txt"),
                marker.toString());
        // a second --overwrite export (pooled, a different file set) keeps them too, and no temporaries remain
        Files.writeString(out.resolve(Outputs.MARKER), "model.onnx\nconfig.json\nstale.bin\n");
        Files.writeString(out.resolve("stale.bin"), "written by an earlier export");
        assertEquals(0, InfoCommandTest.run("export", "--model", HF.resolve("bert_export").toString(), "--out",
                out.toString(), "--overwrite").code());
        assertEquals("mine", Files.readString(out.resolve("keep.txt")));
        assertFalse(Files.exists(out.resolve("stale.bin")), "an entry linforge wrote before is replaced");
        try (var s = Files.list(dir)) {
            assertEquals(List.of("existing"), s.map(p -> p.getFileName().toString()).toList());
        }
    }

    @BadInputTest
    void aFileAsOutputIsRefusedEvenWithOverwrite() throws Exception {
        Path file = dir.resolve("model.bin");
        Files.writeString(file, "precious");
        refused(InfoCommandTest.run(export(file)), "export", file);
        InfoCommandTest.Run over = InfoCommandTest.run(export(file, "--overwrite"));
        refused(over, "export", file);
        BadInputs.input("`--out` is a regular file (even with `--overwrite`)").path(dir, "").record(over.code(), over.err());
        assertEquals("precious", Files.readString(file));
        Path under = file.resolve("out");
        InfoCommandTest.Run r = InfoCommandTest.run(export(under));
        refused(r, "export", under);
        assertTrue(r.err().contains("is a file"), r.err());
        BadInputs.input("`--out` lies under a regular file").path(dir, "").record(r.code(), r.err());
        assertEquals("precious", Files.readString(file));
    }

    @BadInputTest
    void anUnwritableJsonFileIsFoundBeforeTheModelIsWritten() throws Exception {
        Path file = dir.resolve("plain");
        Files.writeString(file, "x");
        Path out = dir.resolve("out");
        Path json = file.resolve("r.json");
        InfoCommandTest.Run underFile = InfoCommandTest.run(export(out, "--json", json.toString()));
        refused(underFile, "export", json);
        BadInputs.input("`--json` (or `--junit`) under a file").path(dir, "").record(underFile.code(), underFile.err());
        assertFalse(Files.exists(out), "nothing written");
        InfoCommandTest.Run folder = InfoCommandTest.run(export(out, "--json", dir.toString()));
        refused(folder, "export", dir);
        BadInputs.input("`--json` (or `--junit`) is a folder").path(dir, "tmp").record(folder.code(), folder.err());
        assertFalse(Files.exists(out), "nothing written");
    }

    @Test
    void everyCommandThatWritesAFolderRefusesAnExistingOne() throws Exception {
        Path out = folderWithUserFiles("existing");
        String m = HF.resolve("bert").toString();
        String data = dir.resolve("data.jsonl").toString();
        String[][] lines = {
            {"import", "--onnx", m, "--out", out.toString()},
            {"init", "--config", m, "--out", out.toString()},
            {"train", "--model", m, "--data", data, "--out", out.toString()},
            {"train", "--model", m, "--data", data, "--out", out.toString(), "--resume"},
            {"analyze", "--model", m, "--data", data, "--out", out.toString()},
            {"compress", "--model", m, "--data", data, "--out", out.toString()},
            {"export", "--model", m, "--out", out.toString()},
            {"run", "../recipes/quickstart.yaml", "--out", out.toString()},
            {"quickstart", "--out", out.toString()},
        };
        for (String[] a : lines) {
            refused(InfoCommandTest.run(a), a[0], out);
        }
        assertEquals("mine", Files.readString(out.resolve("keep.txt")));
        assertEquals("an older file of the same name", Files.readString(out.resolve("model.onnx")));
    }

    @Test
    void aRunFolderIsTheRunsOwn() throws Exception {
        Path run = dir.resolve("run");
        Files.createDirectories(run);
        Files.writeString(run.resolve("manifest.json"), "{\"recipe_name\": \"x\", \"stages\": []}");
        Files.writeString(run.resolve("keep.txt"), "mine");
        assertTrue(new RunCommand().ownsOutput(null, run));
        Path other = folderWithUserFiles("other");
        assertFalse(new RunCommand().ownsOutput(null, other));
    }

    @Test
    void resumeWritesIntoTheFolderAnEarlierRunWrote() throws Exception {
        Path out = dir.resolve("adapter");
        Files.createDirectories(out);
        Files.writeString(out.resolve("adapter_config.json"), "{}");
        Files.writeString(out.resolve(Outputs.MARKER), "adapter_config.json\n");
        TrainCommand t = new TrainCommand();
        assertTrue(t.ownsOutput(new DefaultParser().parse(t.options(), new String[] {"--model", "m", "--data", "d", "--resume", "--out", out.toString()}),
                out));
        assertFalse(t.ownsOutput(new DefaultParser().parse(t.options(), new String[] {"--model", "m", "--data", "d", "--out", out.toString()}), out));
        Files.delete(out.resolve(Outputs.MARKER));
        assertFalse(t.ownsOutput(new DefaultParser().parse(t.options(), new String[] {"--model", "m", "--data", "d", "--resume", "--out", out.toString()}),
                out));
    }
}
