package io.linforge.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.onnxruntime.OrtEnvironment;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The binary distribution {@code dist/target/linforge-VERSION.tar.gz} (built by {@code mvn package}),
 * unpacked and run with only a Java runtime: no Maven, no repository checkout on the PATH.
 * Without the tarball (e.g. {@code mvn test}) the test is skipped, except under CI, where it fails.
 */
class DistributionTest {
    static final String VERSION = System.getProperty("linforge.version");
    static final Path TARBALL = MiniLm.ROOT.resolve("dist/target/linforge-" + VERSION + ".tar.gz");
    static final Path BERT = MiniLm.ROOT.resolve("core/src/test/resources/fixtures/hf/bert");

    @TempDir
    Path tmp;

    record Result(int code, String out, String err) {
    }

    Result run(Path home, Path pathDir, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(home.resolve("bin/linforge").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile());
        Map<String, String> env = pb.environment();
        env.clear();
        env.put("PATH", pathDir.toString());
        env.put("HOME", tmp.resolve("home").toString());
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("LINFORGE_JAVA_OPTS", "-Xmx1g");
        pb.redirectOutput(tmp.resolve("out.txt").toFile()).redirectError(tmp.resolve("err.txt").toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "bin/linforge did not finish");
        return new Result(p.exitValue(), Files.readString(tmp.resolve("out.txt"), StandardCharsets.UTF_8),
                Files.readString(tmp.resolve("err.txt"), StandardCharsets.UTF_8));
    }

    @Test
    void unpackedTarballRunsWithOnlyAJavaRuntime() throws Exception {
        if (!Files.isRegularFile(TARBALL)) {
            if (System.getenv("CI") != null) {
                fail("CI is set but " + TARBALL + " was not built (mvn package builds it)");
            }
            Assumptions.assumeTrue(false, TARBALL + " not built (run mvn package)");
        }
        Path unpacked = tmp.resolve("install");
        Files.createDirectories(unpacked);
        Process tar = new ProcessBuilder("tar", "xzf", TARBALL.toString(), "-C", unpacked.toString()).inheritIO().start();
        assertEquals(0, tar.waitFor());
        Path home = unpacked.resolve("linforge-" + VERSION);
        assertTrue(Files.isExecutable(home.resolve("bin/linforge")));
        assertTrue(Files.isRegularFile(home.resolve("README.md")));
        assertTrue(Files.isRegularFile(home.resolve("recipes/quickstart.yaml")));
        assertTrue(Files.isRegularFile(home.resolve("recipes/data/spam-quick.jsonl")));
        assertTrue(Files.isRegularFile(home.resolve("lib/linforge-cli-" + VERSION + ".jar")));
        assertTrue(hasJar(home, "onnxruntime-"));
        assertTrue(hasJar(home, "pytorch-native-cpu-"));

        // A PATH with only what the launcher itself needs: bash (through /usr/bin/env) and dirname.
        Path bin = tmp.resolve("path");
        Files.createDirectories(bin);
        for (String tool : new String[] {"bash", "dirname"}) {
            Path real = Path.of("/usr/bin", tool).toRealPath();
            Files.createSymbolicLink(bin.resolve(tool), real);
        }
        assertFalse(Files.exists(bin.resolve("mvn")));

        Result v = run(home, bin, "--version");
        assertEquals(0, v.code(), v.err());
        assertTrue(v.out().startsWith("linforge " + VERSION + "\n"), v.out());
        String ort = OrtEnvironment.class.getPackage().getImplementationVersion();
        assertTrue(v.out().contains("\n  onnxruntime  " + ort + "\n"), v.out());
        assertFalse(v.out().contains("unknown"), v.out());
        assertEquals("", v.err());

        Result info = run(home, bin, "info", BERT.toString(), "--json", "-");
        assertEquals(0, info.code(), info.err());
        JsonNode j = new ObjectMapper().readTree(info.out());
        assertEquals("bert", j.get("model_type").asText());
        assertEquals(2, j.get("layers").asInt());
        assertTrue(info.err().contains("model_type    bert"), info.err());
    }

    static boolean hasJar(Path home, String prefix) throws Exception {
        try (var s = Files.list(home.resolve("lib"))) {
            return s.anyMatch(p -> p.getFileName().toString().startsWith(prefix) && p.getFileName().toString().endsWith(".jar"));
        }
    }
}
