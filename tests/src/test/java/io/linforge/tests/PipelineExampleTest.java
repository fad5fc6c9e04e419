package io.linforge.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Runs {@code examples/pipeline} with Maven, offline, against a private local repository holding the
 * artifacts of this build (the shared local repository is only read): the fp16 export passes its gate,
 * and a candidate exported from a checkpoint with one weight matrix zeroed fails the build with the
 * gate's message.
 */
class PipelineExampleTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path ROOT = MiniLm.ROOT;
    private static final String VERSION = System.getProperty("linforge.version");
    private static final Path TARGET = ROOT.resolve("tests/target");
    private static final Path REPO = TARGET.resolve("it-repo");


    @BeforeAll
    static void privateRepository() throws IOException {
        Path plugin = ROOT.resolve("maven-plugin/target/linforge-maven-plugin-" + VERSION + ".jar");
        if (!Files.isRegularFile(plugin)) {
            // the module jars exist after `package`; a plain `mvn test` of this module has only classes
            Assumptions.assumeTrue(System.getenv("CI") == null, "");
            throw new IllegalStateException(plugin + " missing under CI");
        }
        Path shared = Path.of(System.getProperty("maven.repo.local"));
        Files.createDirectories(REPO.resolve("io"));
        // every artifact of the shared repository, read through links; io/linforge is this build's own
        try (Stream<Path> top = Files.list(shared)) {
            for (Path p : top.toList()) {
                if (!p.getFileName().toString().equals("io")) {
                    link(REPO.resolve(p.getFileName().toString()), p);
                }
            }
        }
        try (Stream<Path> io = Files.list(shared.resolve("io"))) {
            for (Path p : io.toList()) {
                if (!p.getFileName().toString().equals("linforge")) {
                    link(REPO.resolve("io").resolve(p.getFileName().toString()), p);
                }
            }
        }
        install("linforge", ROOT.resolve("pom.xml"), null);
        // every module of the reactor whose jar the plugin can need: the root pom's list, less these tests and the tarball
        java.util.List<String> modules = new java.util.ArrayList<>();
        java.util.regex.Matcher mm = java.util.regex.Pattern.compile("<module>([^<]+)</module>")
                .matcher(Files.readString(ROOT.resolve("pom.xml")));
        while (mm.find()) {
            if (!mm.group(1).equals("dist") && !mm.group(1).equals("tests")) {
                modules.add(mm.group(1));
            }
        }
        for (String m : modules) {
            String artifact = m.equals("maven-plugin") ? "linforge-maven-plugin" : "linforge-" + m;
            Path jar = ROOT.resolve(m).resolve("target").resolve(m.equals("cli") ? "linforge-cli.jar" : artifact + "-" + VERSION + ".jar");
            install(artifact, ROOT.resolve(m).resolve("pom.xml"), jar);
        }
    }

    private static void link(Path link, Path target) throws IOException {
        if (!Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            Files.createSymbolicLink(link, target);
        }
    }

    private static void install(String artifact, Path pom, Path jar) throws IOException {
        Path dir = REPO.resolve("io/linforge").resolve(artifact).resolve(VERSION);
        Files.createDirectories(dir);
        Files.copy(pom, dir.resolve(artifact + "-" + VERSION + ".pom"), StandardCopyOption.REPLACE_EXISTING);
        if (jar != null) {
            Files.copy(jar, dir.resolve(artifact + "-" + VERSION + ".jar"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Runs Maven on a fresh copy of the example; returns its exit code and output. */
    private static Result mvn(String name, String... args) throws Exception {
        Path work = TARGET.resolve("it-work").resolve(name);
        copyExample(work);
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("maven.home"), "bin", "mvn").toString(), "-B",
                "-o", "-ntp", "-Dmaven.repo.local=" + REPO, "-Dlinforge.version=" + VERSION));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile()).redirectErrorStream(true)
                .redirectOutput(TARGET.resolve("it-work").resolve(name + ".log").toFile());
        pb.environment().put("DJL_CACHE_DIR", ROOT.resolve("target/djl-cache").toString());
        pb.environment().put("MAVEN_OPTS", "-Xmx4g -Dai.djl.offline=true");
        Process p = pb.start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("mvn " + name + " did not finish in 10 minutes");
        }
        return new Result(p.exitValue(), Files.readString(TARGET.resolve("it-work").resolve(name + ".log")), work);
    }

    record Result(int code, String output, Path work) {
    }

    private static void copyExample(Path work) throws IOException {
        Path src = ROOT.resolve("examples/pipeline");
        Files.createDirectories(work.resolve("data"));
        Files.copy(src.resolve("pom.xml"), work.resolve("pom.xml"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(src.resolve("data/sample.jsonl"), work.resolve("data/sample.jsonl"), StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void exampleExportsAndGatesThenADamagedCandidateFailsTheBuild() throws Exception {
        Result ok = mvn("pass", "verify");
        assertEquals(0, ok.code(), ok.output());
        JsonNode v = JSON.readTree(ok.work().resolve("target/validate.json").toFile());
        assertTrue(v.get("passed").asBoolean(), v.toString());
        JsonNode gate = v.get("gates").get(0);
        assertEquals("min-cosine", gate.get("name").asText());
        assertTrue(gate.get("measured").asDouble() > 0.999 && gate.get("measured").asDouble() <= 1.0 + 1e-6, gate.toString());
        assertEquals("fp16", JSON.readTree(ok.work().resolve("target/models/export-fp16.json").toFile()).get("precision").asText());

        // the candidate comes from the same checkpoint with the first layer's attention output projection zeroed
        Path damaged = ok.work().resolve("damaged");
        Files.createDirectories(damaged);
        try (Stream<Path> files = Files.list(ok.work().resolve("target/models/minilm"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                if (!f.getFileName().toString().startsWith(".")) {
                    Files.copy(f, damaged.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        zero(damaged.resolve("model.safetensors"), "encoder.layer.0.attention.output.dense.weight");
        Result bad = mvn("damaged", "verify", "-Dcandidate.checkpoint=" + damaged);
        assertNotEquals(0, bad.code(), bad.output());
        assertTrue(bad.output().contains("linforge:validate: gate min-cosine failed: "), bad.output());
        assertTrue(bad.output().contains("BUILD FAILURE"), bad.output());
        JsonNode b = JSON.readTree(bad.work().resolve("target/validate.json").toFile());
        assertTrue(b.get("gates").get(0).get("measured").asDouble() < 0.999, b.toString());

        // misconfiguration: one line naming the parameter
        Result typo = mvn("typo", "verify", "-Dgate.minCosine=high");
        assertNotEquals(0, typo.code(), typo.output());
        assertTrue(typo.output().contains("minCosine"), typo.output());
    }

    /** Zeroes the F32 tensor whose name ends with {@code suffix} in a safetensors file. */
    private static void zero(Path file, String suffix) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(len, 0);
            int n = (int) len.getLong(0);
            ByteBuffer header = ByteBuffer.allocate(n);
            ch.read(header, 8);
            JsonNode h = JSON.readTree(new String(header.array(), StandardCharsets.UTF_8));
            for (var it = h.fields(); it.hasNext();) {
                var e = it.next();
                if (e.getKey().endsWith(suffix)) {
                    long from = e.getValue().get("data_offsets").get(0).asLong();
                    long to = e.getValue().get("data_offsets").get(1).asLong();
                    ch.write(ByteBuffer.allocate((int) (to - from)), 8 + n + from);
                    return;
                }
            }
            throw new IllegalStateException(suffix + " not in " + file);
        }
    }
}
