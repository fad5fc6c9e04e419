package io.linforge.tests;

import io.linforge.core.onnx.OnnxImporter;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipFile;

/** The bundled all-MiniLM-L6-v2 (Maven Central resource jar), imported once per test JVM. */
final class MiniLm {
    static final Path ROOT = Path.of(System.getProperty("linforge.root", "..")).toAbsolutePath().normalize();
    static final Path JAR = ROOT.resolve("target/models/all-minilm-l6-v2.jar");
    static final Path WORK = ROOT.resolve("target/test-work");
    private static Path imported;

    private MiniLm() {
    }

    static synchronized Path checkpoint() {
        if (imported == null) {
            Path out = WORK.resolve("minilm-" + ProcessHandle.current().pid());
            OnnxImporter.importTo(JAR, out, null);
            imported = out;
        }
        return imported;
    }

    /** The jar's original ONNX file, as the Hugging Face export shipped it. */
    static byte[] originalOnnx() {
        try (ZipFile z = new ZipFile(JAR.toFile()); InputStream in = z.getInputStream(z.getEntry("all-minilm-l6-v2.onnx"))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path originalOnnxFile() {
        Path p = WORK.resolve("all-minilm-l6-v2.onnx");
        try {
            if (!Files.isRegularFile(p)) {
                Files.createDirectories(WORK);
                Path tmp = WORK.resolve("all-minilm-l6-v2.onnx.tmp-" + ProcessHandle.current().pid());
                Files.write(tmp, originalOnnx());
                Files.move(tmp, p, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }
}
