package io.linforge.trainer.data;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The order in which training examples are drawn: epoch {@code e} is a shuffle of the examples
 * seeded by (seed, e), so the example at any global position follows from the position alone and
 * a resumed run continues exactly where it stopped.
 */
public final class DataOrder {
    private final List<ClassificationData.Example> examples;
    private final long seed;
    private long cachedEpoch = -1;
    private List<ClassificationData.Example> cached;

    public DataOrder(List<ClassificationData.Example> examples, long seed) {
        if (examples.isEmpty()) {
            throw io.linforge.core.LinforgeException.badInput("no training rows (rows with split=test are held out)");
        }
        this.examples = examples;
        this.seed = seed;
    }

    /** The example at global position {@code index} (step × batch + i). */
    public ClassificationData.Example get(long index) {
        long epoch = index / examples.size();
        if (epoch != cachedEpoch) {
            cached = new ArrayList<>(examples);
            ClassificationData.shuffle(cached, new SplittableRandom(seed * 31 + epoch));
            cachedEpoch = epoch;
        }
        return cached.get((int) (index % examples.size()));
    }
}
