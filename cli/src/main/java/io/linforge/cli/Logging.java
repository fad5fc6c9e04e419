package io.linforge.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;

/**
 * The level of linforge's loggers for one command run: {@code --quiet} shows warnings and errors
 * only, {@code --verbose} adds debug lines; without either the level stays as it is (INFO from
 * {@code logback.xml}, or what an enclosing run set, so a recipe's stages log as the run does).
 */
final class Logging implements AutoCloseable {
    static final String QUIET = "quiet";
    static final String VERBOSE = "verbose";

    /** linforge's root logger, or null when SLF4J is bound to another back end than Logback. */
    private final Logger logger;
    private final Level previous;

    private Logging(Level level) {
        org.slf4j.Logger l = LoggerFactory.getLogger("io.linforge");
        logger = l instanceof Logger lb ? lb : null;
        previous = logger == null ? null : logger.getLevel();
        if (level != null) {
            if (logger == null) {
                throw io.linforge.core.LinforgeException.badInput("--quiet, --verbose: they set Logback's level, but SLF4J "
                        + "logs through " + LoggerFactory.getILoggerFactory().getClass().getName() + " here (another SLF4J "
                        + "back end on the class path)");
            }
            logger.setLevel(level);
        }
    }

    /** Sets the level for {@code quiet} / {@code verbose} until {@link #close()}. */
    static Logging of(boolean quiet, boolean verbose) {
        return new Logging(quiet ? Level.WARN : verbose ? Level.DEBUG : null);
    }

    @Override
    public void close() {
        if (logger != null) {
            logger.setLevel(previous);
        }
    }
}
