package io.linforge.trainer.data;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The order in which training examples are drawn: epoch {@code e} is a shuffle of the examples
 * seeded by (seed, e), so the example at any global position follows from the position alone and
 * a resumed run continues exactly where it stopped.
 */
public final class DataOrder<T> {
    private final List<T> examples;
    private final long seed;
    private long cachedEpoch = -1;
    private List<T> cached;

    public DataOrder(List<T> examples, long seed) {
        if (examples.isEmpty()) {
            throw io.linforge.core.LinforgeException.badInput("no training rows (rows with split=test are held out)");
        }
        this.examples = examples;
        this.seed = seed;
    }

    /** The example at global position {@code index} (step × batch + i). */
    public T get(long index) {
        long epoch = index / examples.size();
        if (epoch != cachedEpoch) {
            cached = new ArrayList<>(examples);
            shuffle(cached, new SplittableRandom(seed * 31 + epoch));
            cachedEpoch = epoch;
        }
        return cached.get((int) (index % examples.size()));
    }

    /** Fisher–Yates with the given generator. */
    public static <E> void shuffle(List<E> l, SplittableRandom r) {
        for (int i = l.size() - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            E t = l.get(i);
            l.set(i, l.get(j));
            l.set(j, t);
        }
    }
}
