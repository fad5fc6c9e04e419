package io.linforge.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** Runs {@code onnx.checker.check_model(model, full_check=True)} from Debian's python3-onnx, on a copy in memory. */
public final class OnnxChecker {
    private OnnxChecker() {
    }

    static String python() {
        return Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    }

    public static boolean available() {
        try {
            Process p = new ProcessBuilder(python(), "-c", "import onnx").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    /**
     * Fails the test when the checker rejects the model; skips when onnx is not installed (CI
     * installs it). A model newer than the installed onnx knows (Debian's 1.12 stops at opset 17)
     * is not checked: that checker would reject the version, not the graph.
     */
    public static void check(Path model) throws Exception {
        Assumptions.assumeTrue(available() || System.getenv("CI") != null, "python3-onnx is not installed");
        Process p = new ProcessBuilder(python(), "-c",
                "import onnx,sys\n"
                        + "m = onnx.load(sys.argv[1])\n"
                        + "if max(o.version for o in m.opset_import if o.domain in ('', 'ai.onnx')) > onnx.defs.onnx_opset_version():\n"
                        + "    print('opset newer than onnx ' + onnx.__version__ + ': not checked')\n"
                        + "else:\n"
                        // the in-memory form: given a path, onnx 1.12 writes the shape-inferred model back over the file
                        + "    onnx.checker.check_model(m, full_check=True); print('ok')",
                model.toAbsolutePath().toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "onnx.checker rejected " + model + ":\n" + out);
    }
}
