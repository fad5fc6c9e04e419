package io.linforge.cli.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.linforge.cli.Command;
import io.linforge.cli.Main;
import io.linforge.cli.recipe.StageSchema.Type;
import io.linforge.core.LinforgeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The recipe schema is the commands' own option declarations: every option of a stage command is a recipe option. */
class StageSchemaTest {
    @TempDir
    Path dir;

    /** The command's options with none required, so that a command line holding one option parses. */
    static Options optional(Options declared) {
        Options o = new Options();
        for (Option d : declared.getOptions()) {
            Option c = (Option) d.clone();
            c.setRequired(false);
            o.addOption(c);
        }
        return o;
    }

    @Test
    void everyOptionOfEveryStageCommandIsAcceptedAndReachesTheCommandLine() throws Exception {
        Path in = Files.writeString(dir.resolve("in.txt"), "x");
        Map<String, Command> commands = Main.commands();
        Set<String> seen = new TreeSet<>();
        for (String type : StageSchema.types()) {
            Command c = commands.get(type);
            assertNotNull(c, "stage " + type + " runs no command");
            for (Option o : c.options().getOptions()) {
                String name = o.getLongOpt();
                if (StageSchema.RUNNER_OPTIONS.contains(name)) {
                    continue;
                }
                Type t = StageSchema.get(type).options().get(name);
                assertNotNull(t, type + " --" + name + " is not a recipe option");
                String yaml = switch (t) {
                    case BOOL -> "true";
                    case INT -> "7";
                    case FLOAT -> "0.25";
                    case INPUT -> "in.txt";
                    case INPUTS -> "[in.txt, in.txt]";
                    case LIST -> "[1, 2]";
                    case STRING -> "some-value";
                };
                Path p = Files.writeString(dir.resolve(type + "-" + name + ".yaml"),
                        "stages:\n  - stage: " + type + "\n    with:\n      " + name + ": " + yaml + "\n");
                Recipe r = Recipe.read(p);
                List<String> args = new RecipeRunner(r, dir.resolve("run")).arguments(r.stages().get(0), new HashMap<>(),
                        new StringBuilder(), new ObjectMapper().createArrayNode());
                assertEquals(type, args.get(0));
                CommandLine cl = new DefaultParser().parse(optional(c.options()), args.subList(1, args.size()).toArray(String[]::new));
                String where = type + " --" + name + " (" + t + "): " + args;
                assertTrue(cl.hasOption(name), where);
                switch (t) {
                    case BOOL -> assertEquals(null, cl.getOptionValue(name), where);
                    case INT -> assertEquals("7", cl.getOptionValue(name), where);
                    case FLOAT -> assertEquals("0.25", cl.getOptionValue(name), where);
                    case INPUT -> assertEquals(in.toString(), cl.getOptionValue(name), where);
                    case INPUTS -> assertEquals(List.of(in.toString(), in.toString()), List.of(cl.getOptionValues(name)), where);
                    case LIST -> assertEquals("1,2", cl.getOptionValue(name), where);
                    case STRING -> assertEquals("some-value", cl.getOptionValue(name), where);
                }
                seen.add(type + " " + name);
            }
        }
        // The options a hand-kept schema used to miss, and the types read from their declarations.
        for (String s : List.of("export pooling", "export normalize", "export tf32", "export trt-seq", "bench profile",
                "bench decode-past", "bench outputs", "bench seed", "train accumulate", "validate tokenizer")) {
            assertTrue(seen.contains(s), s + " not checked: " + seen);
        }
        assertEquals(Type.STRING, StageSchema.get("export").options().get("pooling"));
        assertEquals(Type.BOOL, StageSchema.get("export").options().get("normalize"));
        assertEquals(Type.LIST, StageSchema.get("export").options().get("trt-batch"));
        assertEquals(Type.STRING, StageSchema.get("bench").options().get("profile"));
        assertEquals(Type.INPUT, StageSchema.get("bench").options().get("compare"));
        assertEquals(Type.INPUTS, StageSchema.get("compress").options().get("adapter"));
        assertEquals(Type.FLOAT, StageSchema.get("train").options().get("lr"));
        assertEquals(Type.INT, StageSchema.get("train").options().get("steps"));
        assertEquals(Set.of("import", "init", "train", "analyze", "compress", "export", "validate", "bench", "generate"),
                StageSchema.types());
        assertTrue(StageSchema.get("validate").writesJunit() && !StageSchema.get("validate").writesFolder());
        assertTrue(StageSchema.get("export").writesFolder() && !StageSchema.get("export").writesJunit());
    }

    @Test
    void optionsTheRunnerSetsAndUnknownKeysAreRefusedWithLineAndField() throws Exception {
        Files.writeString(dir.resolve("in.txt"), "x");
        for (String[] c : new String[][] {{"export", "poolin: mean", "poolin"}, {"export", "out: elsewhere", "out"},
                {"validate", "junit: j.xml", "junit"}, {"bench", "json: r.json", "json"}}) {
            Path p = Files.writeString(dir.resolve("r.yaml"), "stages:\n  - stage: " + c[0] + "\n    with:\n      " + c[1] + "\n");
            LinforgeException e = assertThrows(LinforgeException.class, () -> Recipe.read(p));
            assertEquals(LinforgeException.BAD_INPUT, e.exitCode());
            assertTrue(e.getMessage().startsWith(p + ":4: stages[0].with." + c[2] + ": unknown option for stage '" + c[0] + "'"),
                    e.getMessage());
            assertTrue(!e.getMessage().contains("\n"), e.getMessage());
        }
    }
}
