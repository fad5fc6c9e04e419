package io.linforge.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import java.util.Arrays;

/** Greedy decoding on DJL, with the key/value cache or by full recomputation. */
public final class Generation {
    private Generation() {
    }

    /** Returns the prompt followed by {@code newTokens} greedily chosen tokens. */
    public static long[] greedy(DecoderModel model, NDManager parent, long[] prompt, int newTokens, boolean useCache) {
        long[] seq = Arrays.copyOf(prompt, prompt.length + newTokens);
        int len = prompt.length;
        try (NDManager m = parent.newSubManager()) {
            KvCache cache = useCache ? new KvCache(model.layers().size()) : null;
            for (int step = 0; step < newTokens; step++) {
                try (NDManager s = m.newSubManager()) {
                    long[] input = useCache && step > 0 ? new long[] {seq[len - 1]} : Arrays.copyOf(seq, len);
                    ForwardContext ctx = new ForwardContext(s, false, model.dtype());
                    NDArray ids = s.create(new long[][] {input});
                    DecoderModel.Output out = model.forward(ids, null, ctx, false, cache);
                    NDArray last = out.logits().get(new NDIndex("0, -1, :"));
                    seq[len++] = last.toType(DataType.FLOAT32, false).argMax().getLong();
                    if (cache != null) {
                        for (int l = 0; l < cache.keys.length; l++) {
                            if (cache.keys[l] != null) { // layers replaced by linear maps cache nothing
                                cache.keys[l].attach(m);
                                cache.values[l].attach(m);
                            }
                        }
                    }
                }
            }
        }
        return seq;
    }
}
