package io.linforge.trainer.data;

import io.linforge.core.LinforgeException;
import io.linforge.core.data.TextRows;
import io.linforge.core.text.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Plain text for causal language modelling, packed into blocks: the whole file is tokenized, the
 * last {@code heldOut} fraction of the tokens becomes the evaluation part, and each part is cut
 * into non-overlapping blocks of {@code seq} tokens (the remainder is dropped).
 */
public final class TextBlocks {
    private final List<long[]> train;
    private final List<long[]> test;
    private final long tokens;

    private TextBlocks(List<long[]> train, List<long[]> test, long tokens) {
        this.train = train;
        this.test = test;
        this.tokens = tokens;
    }

    public static TextBlocks read(Path file, Tokenizer tok, int seq, double heldOut) {
        String text = TextRows.readText(file);
        if (heldOut < 0 || heldOut >= 1) {
            throw LinforgeException.badInput("--held-out must be in [0, 1)");
        }
        long[] ids = tok.modelIds(text);
        int nTest = (int) Math.round(ids.length * heldOut);
        int nTrain = ids.length - nTest;
        List<long[]> train = blocks(ids, 0, nTrain, seq);
        List<long[]> test = blocks(ids, nTrain, ids.length, seq);
        if (train.isEmpty()) {
            throw LinforgeException.badInput(file, "text", ids.length + " tokens: too short for one training block of " + seq);
        }
        if (heldOut > 0 && test.isEmpty()) {
            throw LinforgeException.badInput(file, "text", "the held-out part (" + nTest + " tokens) is shorter than one block of "
                    + seq + "; lower --seq or raise --held-out");
        }
        return new TextBlocks(train, test, ids.length);
    }

    private static List<long[]> blocks(long[] ids, int from, int to, int seq) {
        List<long[]> out = new ArrayList<>();
        for (int i = from; i + seq <= to; i += seq) {
            long[] b = new long[seq];
            System.arraycopy(ids, i, b, 0, seq);
            out.add(b);
        }
        return out;
    }

    public List<long[]> train() {
        return train;
    }

    public List<long[]> test() {
        return test;
    }

    public long tokens() {
        return tokens;
    }
}
