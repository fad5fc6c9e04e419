package io.linforge.trainer.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.linforge.core.LinforgeException;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * Sequence classification data from JSON lines with {@code text}, {@code label} and optional
 * {@code split}: rows marked {@code test} are the evaluation set; without splits a seeded 10 %
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
        ObjectMapper json = new ObjectMapper();
        List<String[]> rows = new ArrayList<>();
        TreeSet<String> labelSet = new TreeSet<>();
        boolean anySplit = false;
        if (!Files.isRegularFile(file)) {
            throw LinforgeException.badInput(file, "file", "no such data file");
        }
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode o;
                try {
                    o = json.readTree(line);
                } catch (IOException e) {
                    throw LinforgeException.badInput(file + ":" + n, "json", "malformed line");
                }
                if (o == null || !o.path("text").isTextual()) {
                    throw LinforgeException.badInput(file + ":" + n, "text", "missing or not a string");
                }
                if (!o.hasNonNull("label")) {
                    throw LinforgeException.badInput(file + ":" + n, "label", "missing");
                }
                String split = o.path("split").asText("");
                anySplit |= !split.isEmpty();
                String label = o.get("label").asText();
                labelSet.add(label);
                rows.add(new String[] {o.get("text").asText(), label, split});
            }
        } catch (IOException e) {
            throw LinforgeException.badInput(file, "file", "cannot read: " + e.getMessage());
        }
        if (labelSet.size() < 2) {
            throw LinforgeException.badInput(file, "label", "needs at least two distinct labels, found " + labelSet);
        }
        List<String> labels = new ArrayList<>(labelSet);
        List<Example> train = new ArrayList<>();
        List<Example> test = new ArrayList<>();
        SplittableRandom rng = new SplittableRandom(seed);
        for (String[] row : rows) {
            Example e = new Example(row[0], labels.indexOf(row[1]));
            boolean isTest = anySplit ? row[2].equals("test") : rng.nextDouble() < 0.1;
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
        for (int i = l.size() - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            T t = l.get(i);
            l.set(i, l.get(j));
            l.set(j, t);
        }
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
