package io.linforge.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.linforge.core.testing.BadInputs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * README's table of bad inputs is the one the tests record ({@link BadInputs}): every module's
 * {@code target/bad-inputs/*.tsv}, one row per distinct case, sorted. Runs after the other modules'
 * tests (this module is built last). With {@code -Dlinforge.bad-inputs=update} it rewrites the table.
 */
class BadInputTableTest {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final String BEGIN = "<!-- bad-inputs: generated from the tests, see below; do not edit -->";
    static final String END = "<!-- bad-inputs: end -->";
    static final String REGENERATE = "mvn -B -ntp verify -Dgroups=bad-input -Dlinforge.bad-inputs=update";

    /** The table from every module's records. */
    static String table() throws IOException {
        TreeSet<String> rows = new TreeSet<>();
        try (Stream<Path> modules = Files.list(ROOT)) {
            for (Path m : (Iterable<Path>) modules.sorted()::iterator) {
                Path dir = m.resolve(BadInputs.DIR);
                if (!Files.isDirectory(dir)) {
                    continue;
                }
                try (Stream<Path> files = Files.list(dir)) {
                    for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".tsv"))::iterator) {
                        for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                            String[] c = line.split("\t", -1);
                            assertEquals(3, c.length, f + ": " + line);
                            rows.add("| " + c[0] + " | " + c[1] + " | `" + c[2].replace("|", "\\|") + "` |");
                        }
                    }
                }
            }
        }
        assertFalse(rows.isEmpty(), "no records under */" + BadInputs.DIR + ": run the modules' tests first (" + REGENERATE + ")");
        return "| input | exit | message |\n| --- | --- | --- |\n" + String.join("\n", rows) + "\n";
    }

    @Test
    @Tag(BadInputs.TAG)
    void readmeTableIsWhatTheTestsRecorded() throws IOException {
        Path readme = ROOT.resolve("README.md");
        String text = Files.readString(readme, StandardCharsets.UTF_8);
        int b = text.indexOf(BEGIN);
        int e = text.indexOf(END);
        assertTrue(b >= 0 && e > b, "README.md lacks the markers " + BEGIN + " ... " + END);
        String start = text.substring(0, b + BEGIN.length()) + "\n";
        String current = text.substring(b + BEGIN.length() + 1, e);
        String table = table();
        if ("update".equals(System.getProperty("linforge.bad-inputs"))) {
            Files.writeString(readme, start + table + text.substring(e), StandardCharsets.UTF_8);
            return;
        }
        if (!table.equals(current)) {
            List<String> want = table.lines().toList();
            List<String> have = current.lines().toList();
            int i = 0;
            while (i < Math.min(want.size(), have.size()) && want.get(i).equals(have.get(i))) {
                i++;
            }
            assertEquals(i < want.size() ? want.get(i) : "(no more rows)", i < have.size() ? have.get(i) : "(no more rows)",
                    "README.md's table of bad inputs is not what the tests recorded (first difference at row " + i
                            + "); regenerate it with: " + REGENERATE);
        }
    }
}
