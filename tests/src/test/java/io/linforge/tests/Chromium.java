package io.linforge.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Headless Chromium (Debian's {@code chromium} package) for looking at generated pages as a
 * browser draws them. Absent browser: the test is skipped on a developer machine, and fails under
 * CI ({@code CI} set), where {@code .ci/run} installs it. {@code LINFORGE_CHROMIUM} names another
 * binary.
 */
final class Chromium {
    private final Path binary;
    private final Path profile;

    private Chromium(Path binary, Path profile) {
        this.binary = binary;
        this.profile = profile;
    }

    /** The browser, with a private profile folder under {@code work}. */
    static Chromium require(Path work) throws IOException {
        Path found = null;
        String env = System.getenv("LINFORGE_CHROMIUM");
        List<Path> candidates = new ArrayList<>();
        if (env != null && !env.isBlank()) {
            candidates.add(Path.of(env)); // an explicit choice: nothing else is tried
        } else {
            candidates.add(Path.of("/usr/bin/chromium"));
            candidates.add(Path.of("/usr/bin/chromium-browser"));
        }
        for (Path c : candidates) {
            if (Files.isExecutable(c)) {
                found = c;
                break;
            }
        }
        if (found == null) {
            String ci = System.getenv("CI");
            if (ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false")) {
                fail("CI is set but no Chromium was found (" + candidates + "); .ci/run installs Debian's chromium");
            }
            Assumptions.abort("no Chromium at " + candidates + " (apt-get install chromium)");
        }
        return new Chromium(found, Files.createDirectories(work.resolve("chromium-profile")));
    }

    private String run(Path log, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(binary.toString(), "--headless", "--disable-gpu", "--no-sandbox",
                "--no-first-run", "--no-default-browser-check", "--hide-scrollbars", "--user-data-dir=" + profile));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(profile.getParent(), "chromium", ".out");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(log.toFile()).start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("chromium did not finish in 90 s: " + String.join(" ", cmd));
        }
        assertEquals(0, p.exitValue(), "chromium exit code; stderr: " + Files.readString(log));
        return Files.readString(out, StandardCharsets.UTF_8);
    }

    /** The page's DOM after loading and running its scripts, serialised. */
    String dumpDom(Path page) throws IOException, InterruptedException {
        return run(profile.resolveSibling("chromium-dom.log"), "--dump-dom", page.toUri().toString());
    }

    /** A PNG screenshot of the page in a window of the given size. */
    Path screenshot(Path page, int width, int height, Path png) throws IOException, InterruptedException {
        Files.deleteIfExists(png);
        run(profile.resolveSibling("chromium-shot.log"), "--screenshot=" + png, "--window-size=" + width + "," + height,
                "--force-device-scale-factor=1", page.toUri().toString());
        assertTrue(Files.isRegularFile(png), "no screenshot written to " + png);
        return png;
    }
}
