package io.linforge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.linforge.core.LinforgeException;
import io.linforge.core.io.AtomicFiles;
import io.linforge.core.io.Outputs;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;

/** Shared pieces of the commands: the {@code --json} option and typed option parsing. */
public final class CliSupport {
    public static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** The {@code --json} value that sends the result to stdout. */
    public static final String STDOUT = "-";
    /** Where {@code --json -} writes while a command runs (stdout; the command's own printing goes to stderr). */
    private static PrintStream jsonStdout;

    private CliSupport() {
    }

    public static Option jsonOption() {
        return Option.builder().longOpt("json").hasArg().argName("FILE")
                .desc("write a machine-readable result; '-' writes it to stdout (and the summary to stderr)").build();
    }

    /** {@code o}, marked required: a command line without it is exit 2 before the command runs (and {@code run --check} refuses a stage without it). */
    public static Option required(Option o) {
        o.setRequired(true);
        return o;
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
            if (cmd.hasOption(f) && !(f.equals("json") && STDOUT.equals(cmd.getOptionValue(f)))) {
                Outputs.checkFile(Path.of(cmd.getOptionValue(f)), "--" + f);
            }
        }
    }

    /**
     * Runs a command; with {@code --json -} its printing goes to stderr meanwhile, so that stdout holds
     * exactly the one JSON document {@link #writeJson} writes.
     */
    static int runWithJsonTarget(CommandLine cmd, Callable<Integer> command) throws Exception {
        if (!STDOUT.equals(cmd.getOptionValue("json"))) {
            return command.call();
        }
        PrintStream stdout = System.out;
        jsonStdout = stdout;
        System.setOut(System.err);
        try {
            return command.call();
        } finally {
            System.out.flush();
            System.setOut(stdout);
            jsonStdout = null;
        }
    }

    /** Writes {@code result} to the {@code --json} target when one was given: atomically to a file, or to stdout. */
    public static void writeJson(CommandLine cmd, JsonNode result) throws IOException {
        if (!cmd.hasOption("json")) {
            return;
        }
        String text = JSON.writeValueAsString(result) + "\n";
        if (STDOUT.equals(cmd.getOptionValue("json"))) {
            PrintStream out = jsonStdout != null ? jsonStdout : System.out;
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush();
        } else {
            AtomicFiles.writeString(Path.of(cmd.getOptionValue("json")), text);
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
