package io.linforge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.linforge.cli.InfoCommandTest.Run;
import io.linforge.core.Versions;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.cli.Option;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command-line contract: help for every command, --version, --json - on stdout. */
class CliContractTest {
    static final Path FIXTURES = Path.of(System.getProperty("linforge.root"), "core/src/test/resources/fixtures/hf");

    @TempDir
    Path dir;

    @Test
    void everyCommandShowsItsOptionsAndExitsZero() {
        for (Command c : Main.commands().values()) {
            Run r = InfoCommandTest.run(c.name(), "--help");
            assertEquals(0, r.code(), c.name() + " --help: " + r.err());
            assertTrue(r.out().startsWith("usage: linforge " + c.name()), r.out());
            for (Option o : c.options().getOptions()) {
                assertTrue(r.out().contains("--" + o.getLongOpt()), c.name() + " --help lacks --" + o.getLongOpt() + ":\n" + r.out());
            }
            assertTrue(r.out().contains("--help"), r.out());
        }
    }

    @Test
    void helpWinsOverMissingRequiredOptionsAndOtherValues() {
        Run r = InfoCommandTest.run("export", "--model", "nowhere", "-h");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("--model <DIR>"), r.out());
        assertTrue(r.out().contains("--overwrite"), r.out());
        assertEquals("", r.err());
    }

    @Test
    void topLevelHelpListsEveryCommand() {
        Run r = InfoCommandTest.run("--help");
        assertEquals(0, r.code());
        for (Command c : Main.commands().values()) {
            assertTrue(r.out().contains("\n  " + c.name() + " "), c.name() + " missing:\n" + r.out());
        }
        assertTrue(r.out().contains("--version"), r.out());
    }

    /** The version of {@code group/artifact} from the path of its jar on the test class path (the local Maven repository layout). */
    static String jarVersion(String groupPath, String artifact) {
        Pattern p = Pattern.compile(Pattern.quote(groupPath + "/" + artifact + "/") + "([^/]+)/" + Pattern.quote(artifact) + "-\\1(-[^/]+)?\\.jar$");
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Matcher m = p.matcher(e.replace(File.separatorChar, '/'));
            if (m.find()) {
                return m.group(1);
            }
        }
        throw new AssertionError(artifact + " is not on the class path");
    }

    @Test
    void versionNamesTheLibrariesOnTheClassPathAndUnknownForLinforgeWithoutItsJar() {
        String djl = jarVersion("ai/djl", "api");
        String ort = jarVersion("com/microsoft/onnxruntime", "onnxruntime");
        String trt = jarVersion("org/bytedeco", "tensorrt");
        Run r = InfoCommandTest.run("--version");
        assertEquals(0, r.code(), r.err());
        // From class folders (mvn test) there is no manifest and linforge's own version is not known;
        // from the module jars (mvn verify) it is the project's.
        boolean fromJar = Versions.class.getProtectionDomain().getCodeSource().getLocation().getPath().endsWith(".jar");
        String linforge = fromJar ? System.getProperty("linforge.version") : Versions.UNKNOWN;
        assertTrue(r.out().startsWith("linforge " + linforge + "\n"), r.out());
        assertTrue(r.out().contains("\n  djl          " + djl + "\n"), r.out());
        assertTrue(r.out().contains("\n  onnxruntime  " + ort + "\n"), r.out());
        assertTrue(r.out().contains("\n  tensorrt     " + trt + "\n"), r.out());
        assertTrue(r.out().contains("\n  java         " + System.getProperty("java.version") + "\n"), r.out());

        Map<String, String> v = Versions.all();
        assertEquals(djl, v.get("djl"));
        assertEquals(ort, v.get("onnxruntime"));
        assertEquals(trt, v.get("tensorrt"));
        assertEquals(jarVersion("ai/djl/pytorch", "pytorch-native-cpu"), v.get("libtorch"));
    }

    @Test
    void jsonDashWritesOneDocumentToStdoutAndTheSummaryToStderr() throws Exception {
        Run r = InfoCommandTest.run("info", FIXTURES.resolve("bert").toString(), "--json", "-");
        assertEquals(0, r.code(), r.err());
        JsonNode j = CliSupport.JSON.readTree(r.out());
        assertEquals("bert", j.get("model_type").asText());
        assertEquals(2, j.get("layers").asInt());
        assertEquals(32, j.get("hidden_size").asInt());
        assertTrue(r.err().contains("model_type    bert"), r.err());
        assertFalse(Files.exists(Path.of("-")), "no file named '-'");
    }

    @Test
    void jsonDashOfAWritingCommand() throws Exception {
        Path out = dir.resolve("imported");
        Run r = InfoCommandTest.run("import", "--onnx", FIXTURES.resolve("bert_export/model.onnx").toString(), "--out",
                out.toString(), "--json", "-");
        assertEquals(0, r.code(), r.err());
        JsonNode j = CliSupport.JSON.readTree(r.out());
        assertEquals(out.toAbsolutePath().toString(), j.get("out").asText());
        assertTrue(r.err().startsWith("imported "), r.err());
        assertTrue(Files.isRegularFile(out.resolve("config.json")));
        // Afterwards stdout is stdout again.
        Run after = InfoCommandTest.run("--help");
        assertTrue(after.out().startsWith("usage: linforge"), after.out());
    }
}
