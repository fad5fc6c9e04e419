package io.linforge.core.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A test of bad input that records what it exercised with {@link BadInputs} for README's table of bad
 * inputs; tagged so that {@code -Dgroups=bad-input} runs exactly these (and the table's check).
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Test
@Tag(BadInputs.TAG)
public @interface BadInputTest {
}
