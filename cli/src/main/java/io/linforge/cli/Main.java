package io.linforge.cli;

import io.linforge.core.LinforgeException;
import io.linforge.core.Versions;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.HelpFormatter;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;

/** Entry point of the {@code linforge} command. */
public final class Main {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Main.class);

    private Main() {
    }

    /** Every command, in the order of {@code --help}. */
    public static Map<String, Command> commands() {
        Map<String, Command> m = new LinkedHashMap<>();
        for (Command c : List.<Command>of(
                new QuickstartCommand(),
                new RunCommand(),
                new ImportCommand(),
                new InfoCommand(),
                new InitCommand(),
                new TrainCommand(),
                new AnalyzeCommand(),
                new CompressCommand(),
                new ExportCommand(),
                new ValidateCommand(),
                new BenchCommand(),
                new GenerateCommand())) {
            m.put(c.name(), c);
        }
        return m;
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit code (never calls System.exit). */
    public static int execute(String... args) {
        Map<String, Command> commands = commands();
        // --quiet / --verbose before the command name apply to it as if given after it
        List<String> global = new java.util.ArrayList<>();
        int first = 0;
        while (first < args.length && (args[first].equals("--" + Logging.QUIET) || args[first].equals("--" + Logging.VERBOSE))) {
            global.add(args[first++]);
        }
        if (first > 0) {
            if (first == args.length) {
                printHelp(commands);
                return LinforgeException.BAD_INPUT;
            }
            List<String> moved = new java.util.ArrayList<>(List.of(args).subList(first, args.length));
            moved.addAll(1, global);
            args = moved.toArray(String[]::new);
        }
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            printHelp(commands);
            return args.length == 0 ? LinforgeException.BAD_INPUT : 0;
        }
        if (args[0].equals("--version")) {
            System.out.print(Versions.text());
            return 0;
        }
        Command c = commands.get(args[0]);
        if (c == null) {
            System.err.println("linforge: unknown command '" + args[0] + "' (see linforge --help)");
            return LinforgeException.BAD_INPUT;
        }
        Options options = optionsOf(c);
        String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
        try {
            if (wantsHelp(options, rest)) {
                printCommandHelp(c, options);
                return 0;
            }
            CommandLine cl = new DefaultParser().parse(options, rest);
            if (cl.hasOption(Logging.QUIET) && cl.hasOption(Logging.VERBOSE)) {
                throw LinforgeException.badInput("--quiet, --verbose: give one of them, not both");
            }
            try (Logging level = Logging.of(cl.hasOption(Logging.QUIET), cl.hasOption(Logging.VERBOSE))) {
                LOG.debug("linforge {} {} (java {}, {} cores)", Versions.linforge(), String.join(" ", args),
                        System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
                try {
                    CliSupport.checkOutputs(c, cl);
                    return CliSupport.runWithJsonTarget(cl, () -> c.run(cl));
                } catch (Exception e) {
                    if (!(e instanceof LinforgeException)) {
                        LOG.debug("linforge {}: stack trace", c.name(), e);
                    }
                    throw e;
                }
            }
        } catch (ParseException e) {
            System.err.println("linforge " + c.name() + ": " + e.getMessage());
            return LinforgeException.BAD_INPUT;
        } catch (LinforgeException e) {
            System.err.println("linforge " + c.name() + ": " + e.getMessage());
            return e.exitCode();
        } catch (OutOfMemoryError e) {
            System.err.println("linforge " + c.name() + ": out of memory (raise -Xmx through LINFORGE_JAVA_OPTS)");
            return LinforgeException.FAILURE;
        } catch (Exception e) {
            System.err.println("linforge " + c.name() + ": " + e);
            if (System.getenv("LINFORGE_DEBUG") != null) {
                e.printStackTrace();
            }
            return LinforgeException.FAILURE;
        }
    }

    /** The options {@code linforge <c>} parses: the command's own, {@code --help}, and {@code --overwrite} with {@code --out}. */
    private static Options optionsOf(Command c) {
        Options options = c.options();
        options.addOption(Option.builder("h").longOpt("help").desc("show this help").build());
        if (options.hasLongOption("out")) {
            options.addOption(CliSupport.overwriteOption());
        }
        options.addOption(Option.builder().longOpt(Logging.QUIET).desc("log warnings and errors only (no progress)").build());
        options.addOption(Option.builder().longOpt(Logging.VERBOSE).desc("also log debug lines").build());
        return options;
    }

    /**
     * Parses a command line as {@link #execute} does, without running it: throws {@code ParseException}
     * for a missing required option, an unknown one or a missing value; exit 2 for an unknown command.
     */
    public static void parse(String... args) throws ParseException {
        Command c = commands().get(args[0]);
        if (c == null) {
            throw LinforgeException.badInput("unknown command '" + args[0] + "'");
        }
        new DefaultParser().parse(optionsOf(c), java.util.Arrays.copyOfRange(args, 1, args.length));
    }

    /**
     * Whether the command line asks for {@code --help}: parsed with every option optional, so that a
     * command's required options do not stand in the way of its help.
     */
    static boolean wantsHelp(Options options, String[] args) {
        Options lenient = new Options();
        for (Option o : options.getOptions()) {
            Option copy = (Option) o.clone();
            copy.setRequired(false);
            lenient.addOption(copy);
        }
        try {
            return new DefaultParser().parse(lenient, args).hasOption("help");
        } catch (ParseException e) {
            return false;
        }
    }

    static void printHelp(Map<String, Command> commands) {
        StringBuilder sb = new StringBuilder();
        sb.append("usage: linforge <command> [options]   (linforge <command> --help for its options)\n");
        sb.append("       linforge --version              (linforge's version and those of the libraries it runs on)\n\n");
        sb.append("commands:\n");
        for (Command c : commands.values()) {
            sb.append(String.format("  %-11s %s%n", c.name(), c.summary()));
        }
        sb.append("\nexit codes: 0 ok, 1 failure, 2 bad usage or bad input, 3 a validation gate failed\n");
        System.out.print(sb);
    }

    static void printCommandHelp(Command c, Options options) {
        HelpFormatter f = new HelpFormatter();
        PrintWriter w = new PrintWriter(System.out);
        f.printHelp(w, 100, "linforge " + c.name() + (c.positional().isEmpty() ? "" : " " + c.positional())
                + " [options]", c.summary(), options, 2, 2, "", false);
        w.flush();
    }
}
