package io.linforge.trainer.data;

import io.linforge.core.LinforgeException;
import io.linforge.core.data.TextRows;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * Sequence classification data from JSON lines with {@code text}, {@code label} and optional
 * {@code split} (read by {@link TextRows}): rows marked {@code test} are the evaluation set; without splits a seeded 10 %
 * is held out. Labels are sorted for stable ids.
 */
public final class ClassificationData {
    /** One example. */
    public record Example(String text, int label) {
    }

    private final List<Example> train;
    private final List<Example> test;
    private final List<String> labels;

    private ClassificationData(List<Example> train, List<Example> test, List<String> labels) {
        this.train = train;
        this.test = test;
        this.labels = labels;
    }

    public static ClassificationData read(Path file, long seed, int limitTrain, int limitTest) {
        List<TextRows.Row> rows = TextRows.read(file, true);
        TreeSet<String> labelSet = new TreeSet<>();
        boolean anySplit = false;
        for (TextRows.Row row : rows) {
            labelSet.add(row.label());
            anySplit |= !row.split().isEmpty();
        }
        if (labelSet.size() < 2) {
            throw LinforgeException.badInput(file, "label", "needs at least two distinct labels, found " + labelSet);
        }
        List<String> labels = new ArrayList<>(labelSet);
        List<Example> train = new ArrayList<>();
        List<Example> test = new ArrayList<>();
        SplittableRandom rng = new SplittableRandom(seed);
        for (TextRows.Row row : rows) {
            Example e = new Example(row.text(), labels.indexOf(row.label()));
            boolean isTest = anySplit ? row.isTest() : rng.nextDouble() < 0.1;
            (isTest ? test : train).add(e);
        }
        shuffle(train, new SplittableRandom(seed + 1));
        shuffle(test, new SplittableRandom(seed + 2));
        if (limitTrain > 0 && train.size() > limitTrain) {
            train = new ArrayList<>(train.subList(0, limitTrain));
        }
        if (limitTest > 0 && test.size() > limitTest) {
            test = new ArrayList<>(test.subList(0, limitTest));
        }
        return new ClassificationData(train, test, labels);
    }

    public static <T> void shuffle(List<T> l, SplittableRandom r) {
        DataOrder.shuffle(l, r);
    }

    public List<Example> train() {
        return train;
    }

    public List<Example> test() {
        return test;
    }

    public List<String> labels() {
        return labels;
    }
}
