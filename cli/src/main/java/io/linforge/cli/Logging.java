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

    private final Logger logger = (Logger) LoggerFactory.getLogger("io.linforge");
    private final Level previous = logger.getLevel();

    private Logging(Level level) {
        if (level != null) {
            logger.setLevel(level);
        }
    }

    /** Sets the level for {@code quiet} / {@code verbose} until {@link #close()}. */
    static Logging of(boolean quiet, boolean verbose) {
        return new Logging(quiet ? Level.WARN : verbose ? Level.DEBUG : null);
    }

    @Override
    public void close() {
        logger.setLevel(previous);
    }
}
