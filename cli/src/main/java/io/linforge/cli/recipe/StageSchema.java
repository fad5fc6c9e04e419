package io.linforge.cli.recipe;

import io.linforge.cli.Command;
import io.linforge.cli.Main;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/**
 * The stages a recipe may name and the options each one takes, derived from the option
 * declarations of the command that runs the stage (one source: a flag a command gains is a
 * recipe option at once). Option names are the command-line flags; the types, read from the
 * declared value types, are checked when the recipe is read, so a typo fails before anything runs.
 */
public final class StageSchema {
    /** The type of one option's value. */
    public enum Type {
        /** A file or folder that must exist (after resolving references). */
        INPUT,
        STRING,
        INT,
        FLOAT,
        BOOL,
        /** A list of scalars, passed as one comma-separated value. */
        LIST,
        /** A list of files or folders, each passed with its own flag. */
        INPUTS
    }

    /**
     * A stage type: the command it runs, whether it writes an output folder ({@code --out}) and a
     * JUnit report ({@code --junit}), and its options.
     */
    public record Stage(String command, boolean writesFolder, boolean writesJunit, Map<String, Type> options) {
    }

    /** The commands a stage may run, in the order of {@code linforge --help}. */
    static final Set<String> COMMANDS = Set.of("import", "init", "train", "analyze", "compress", "export", "validate",
            "bench", "generate");
    /** Options the runner sets itself: where a stage writes is the run folder's business. */
    static final Set<String> RUNNER_OPTIONS = Set.of("out", "json", "junit");

    private static final Map<String, Stage> STAGES = derive(Main.commands());

    private StageSchema() {
    }

    /** Every stage command with the options its command line declares, less the runner's own. */
    static Map<String, Stage> derive(Map<String, Command> commands) {
        Map<String, Stage> stages = new LinkedHashMap<>();
        for (Command c : commands.values()) {
            if (!COMMANDS.contains(c.name())) {
                continue;
            }
            Options declared = c.options();
            Map<String, Type> opts = new LinkedHashMap<>();
            for (Option o : declared.getOptions()) {
                if (!RUNNER_OPTIONS.contains(o.getLongOpt())) {
                    opts.put(o.getLongOpt(), type(o));
                }
            }
            stages.put(c.name(), new Stage(c.name(), declared.hasLongOption("out"), declared.hasLongOption("junit"),
                    java.util.Collections.unmodifiableMap(opts)));
        }
        return stages;
    }

    /**
     * The recipe type of a command-line option, from its declaration: a flag without a value is a
     * boolean; an array type is a list (of paths, each passed with its own flag, or of scalars,
     * passed comma-separated); {@link Path} an input that must exist; integer and floating types
     * numbers; anything else a string.
     */
    static Type type(Option o) {
        if (!o.hasArg()) {
            return Type.BOOL;
        }
        Class<?> t = o.getType() instanceof Class<?> c ? c : String.class;
        if (t.isArray()) {
            return t.getComponentType() == Path.class ? Type.INPUTS : Type.LIST;
        }
        if (t == Path.class) {
            return Type.INPUT;
        }
        if (t == Integer.class || t == Long.class) {
            return Type.INT;
        }
        if (t == Double.class || t == Float.class) {
            return Type.FLOAT;
        }
        return Type.STRING;
    }

    public static Stage get(String type) {
        return STAGES.get(type);
    }

    public static Set<String> types() {
        return STAGES.keySet();
    }
}
