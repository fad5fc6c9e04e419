package io.linforge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.linforge.core.LinforgeException;
import io.linforge.core.io.AtomicFiles;
import io.linforge.core.io.Outputs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;

/** Shared pieces of the commands: the {@code --json} option and typed option parsing. */
public final class CliSupport {
    public static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private CliSupport() {
    }

    public static Option jsonOption() {
        return Option.builder().longOpt("json").hasArg().argName("FILE").desc("write a machine-readable result").build();
    }

    public static Option overwriteOption() {
        return Option.builder().longOpt("overwrite").desc("write into an existing, non-empty --out folder: linforge's"
                + " files in it are replaced, other files stay").build();
    }

    /**
     * Checks, before the command runs, where it will write: the {@code --out} folder (exit 2 when it
     * is a file, lies under one, or exists with files in it and neither {@code --overwrite} nor the
     * command owns it) and the {@code --json} and {@code --junit} files.
     */
    static void checkOutputs(Command c, CommandLine cmd) {
        Path out = c.outputFolder(cmd);
        if (out != null) {
            Outputs.checkFolder(out, "--out", cmd.hasOption("overwrite"), Files.isDirectory(out) && c.ownsOutput(cmd, out));
        }
        for (String f : new String[] {"json", "junit"}) {
            if (cmd.hasOption(f)) {
                Outputs.checkFile(Path.of(cmd.getOptionValue(f)), "--" + f);
            }
        }
    }

    /** Writes {@code result} atomically to the {@code --json} file when one was given. */
    public static void writeJson(CommandLine cmd, JsonNode result) throws IOException {
        if (cmd.hasOption("json")) {
            AtomicFiles.writeString(Path.of(cmd.getOptionValue("json")), JSON.writeValueAsString(result) + "\n");
        }
    }

    public static int intOption(CommandLine cmd, String name, int dflt) {
        String v = cmd.getOptionValue(name);
        if (v == null) {
            return dflt;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw LinforgeException.badInput("--" + name + ": expected an integer, got '" + v + "'");
        }
    }

    public static double doubleOption(CommandLine cmd, String name, double dflt) {
        String v = cmd.getOptionValue(name);
        if (v == null) {
            return dflt;
        }
        double d;
        try {
            d = Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw LinforgeException.badInput("--" + name + ": expected a number, got '" + v + "'");
        }
        if (!Double.isFinite(d)) {
            throw LinforgeException.badInput("--" + name + ": expected a finite number, got '" + v + "'");
        }
        return d;
    }

    /** Every value of a repeatable path option (e.g. --adapter), in order. */
    public static java.util.List<Path> paths(CommandLine cmd, String name) {
        java.util.List<Path> out = new java.util.ArrayList<>();
        if (cmd.getOptionValues(name) != null) {
            for (String v : cmd.getOptionValues(name)) {
                out.add(Path.of(v));
            }
        }
        return out;
    }

    public static Path requiredPath(CommandLine cmd, String name) {
        String v = cmd.getOptionValue(name);
        if (v == null) {
            throw LinforgeException.badInput("--" + name + " is required");
        }
        return Path.of(v);
    }
}
