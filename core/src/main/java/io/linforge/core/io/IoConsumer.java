package io.linforge.core.io;

import java.io.IOException;

/** A consumer that may throw {@link IOException}. */
@FunctionalInterface
public interface IoConsumer<T> {
    void accept(T t) throws IOException;
}
