package io.linforge.cli;

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

    /** Runs the command; returns the exit code. Bad input throws {@code LinforgeException}. */
    int run(CommandLine cmd) throws Exception;
}
