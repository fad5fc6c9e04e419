package io.linforge.cli;

import java.nio.file.Path;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/** One sub-command of {@code linforge}. */
public interface Command {
    String name();

    /** One line for {@code linforge --help}. */
    String summary();

    /** Positional arguments, for the usage line (e.g. "RECIPE.yaml"); empty when none. */
    default String positional() {
        return "";
    }

    Options options();

    /**
     * The output folder this command line writes ({@code --out}), checked before the command runs;
     * null when it writes none.
     */
    default Path outputFolder(CommandLine cmd) {
        return cmd.hasOption("out") ? Path.of(cmd.getOptionValue("out")) : null;
    }

    /** Whether the existing folder {@code out} is this command's own, to be written into without {@code --overwrite}. */
    default boolean ownsOutput(CommandLine cmd, Path out) {
        return false;
    }

    /** Runs the command; returns the exit code. Bad input throws {@code LinforgeException}. */
    int run(CommandLine cmd) throws Exception;
}
