package io.linforge.runtime;

import io.linforge.core.LinforgeException;
import io.linforge.core.onnx.TensorNames;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Text generation with an exported decoder and its key/value cache: the prompt runs once with an
 * empty cache, then one token per step with the {@code present.N.*} outputs fed back as
 * {@code past_key_values.N.*}. Greedy decoding, or nucleus (top-p) sampling with temperature
 * under a seed.
 */
public final class Generator {
    private final InferenceSession session;
    /** The layers with a cache, ascending (a layer replaced by a linear map has none). */
    private final int[] layers;

    public Generator(InferenceSession session) {
        this.session = session;
        this.layers = cachedLayers(session);
        if (layers.length == 0 || !session.hasOutput(TensorNames.LOGITS)) {
            throw LinforgeException.badInput("generation needs a decoder exported with its key/value cache "
                    + "(inputs past_key_values.N.key/value, output logits)");
        }
    }

    /**
     * Each {@code past_key_values.N.*} input of a decoder export with the {@code present.N.*} output
     * that feeds it at the next step (for {@link InferenceSession#runFed}).
     */
    public static Map<String, String> cacheFeeds(InferenceSession session) {
        Map<String, String> fed = new HashMap<>();
        for (int i : cachedLayers(session)) {
            fed.put(TensorNames.pastKey(i), TensorNames.presentKey(i));
            fed.put(TensorNames.pastValue(i), TensorNames.presentValue(i));
        }
        return fed;
    }

    /**
     * The layer numbers N of the {@code past_key_values.N.key} inputs, ascending; they need not be
     * consecutive, since a layer replaced by a linear map keeps no cache.
     */
    static int[] cachedLayers(InferenceSession session) {
        java.util.TreeSet<Integer> out = new java.util.TreeSet<>();
        for (IoInfo in : session.inputs()) {
            String n = in.name();
            int layer;
            try {
                layer = TensorNames.pastKeyLayer(n);
            } catch (NumberFormatException e) {
                throw LinforgeException.badInput("decoder export: input " + n + " is not past_key_values.N.key");
            }
            if (layer < 0) {
                continue;
            }
            if (!session.hasInput(TensorNames.pastValue(layer)) || !session.hasOutput(TensorNames.presentKey(layer))
                    || !session.hasOutput(TensorNames.presentValue(layer))) {
                throw LinforgeException.badInput("decoder export: " + n + " has no matching past value or"
                        + " present.N.key/value output");
            }
            out.add(layer);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * An empty key/value cache ({@code past_sequence} = 0) for every {@code past_key_values.N.*}
     * input of {@code session}: what a decoder export needs to run a whole sequence at once.
     */
    public static Map<String, FloatTensor> emptyCache(InferenceSession session, int batch) {
        Map<String, FloatTensor> past = new HashMap<>();
        for (IoInfo in : session.inputs()) {
            if (TensorNames.isPast(in.name())) {
                past.put(in.name(), new FloatTensor(new long[] {batch, in.fixedDim(1), 0, in.fixedDim(3)}, new float[0]));
            }
        }
        return past;
    }

    /** Greedy decoding: the prompt followed by up to {@code maxNew} tokens (stops after {@code eos} if >= 0). */
    public long[] greedy(long[] prompt, int maxNew, long eos) {
        return generate(prompt, maxNew, 0, 1, 0, eos);
    }

    /**
     * {@code topP <= 0} decodes greedily; otherwise samples from the smallest set of tokens whose
     * probabilities (after {@code temperature}) sum to at least {@code topP}.
     */
    public long[] generate(long[] prompt, int maxNew, double topP, double temperature, long seed, long eos) {
        if (prompt.length == 0) {
            throw LinforgeException.badInput("generation needs a prompt of at least one token");
        }
        SplittableRandom rng = new SplittableRandom(seed);
        long[] seq = Arrays.copyOf(prompt, prompt.length + maxNew);
        int len = prompt.length;
        Map<String, FloatTensor> past = emptyCache(session, 1);
        // an engine that keeps outputs on the GPU gets its cache there: present.N feeds past_key_values.N
        boolean onDevice = session.feedsOnDevice();
        Map<String, String> fed = cacheFeeds(session);
        int pastLen = 0;
        for (int step = 0; step < maxNew; step++) {
            int n = step == 0 ? len : 1;
            long[][] ids = {Arrays.copyOfRange(seq, len - n, len)};
            long[][] pos = new long[1][n];
            for (int i = 0; i < n; i++) {
                pos[0][i] = pastLen + i;
            }
            long[][] mask = new long[1][pastLen + n];
            Arrays.fill(mask[0], 1);
            Map<String, long[][]> in = session.modelInputs(
                    Map.of(TensorNames.INPUT_IDS, ids, TensorNames.POSITION_IDS, pos, TensorNames.ATTENTION_MASK, mask));
            Map<String, FloatTensor> out = !onDevice ? session.run(in, past, Set.of())
                    : session.runFed(in, step == 0 ? past : Map.of(), step == 0 ? Map.of() : fed, Set.of(TensorNames.LOGITS));
            FloatTensor logits = out.get(TensorNames.LOGITS);
            int vocab = logits.dim(2);
            float[] last = Arrays.copyOfRange(logits.data(), (n - 1) * vocab, n * vocab);
            long next = topP <= 0 ? argMax(last) : sample(last, topP, temperature, rng);
            seq[len++] = next;
            pastLen += n;
            for (int i : onDevice ? new int[0] : layers) {
                past.put(TensorNames.pastKey(i), out.get(TensorNames.presentKey(i)));
                past.put(TensorNames.pastValue(i), out.get(TensorNames.presentValue(i)));
            }
            if (eos >= 0 && next == eos) {
                break;
            }
        }
        return Arrays.copyOf(seq, len);
    }

    static int argMax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    static int sample(float[] logits, double topP, double temperature, SplittableRandom rng) {
        int n = logits.length;
        double max = Double.NEGATIVE_INFINITY;
        for (float f : logits) {
            max = Math.max(max, f);
        }
        double[] p = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            p[i] = Math.exp((logits[i] - max) / temperature);
            sum += p[i];
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
            p[i] /= sum;
        }
        Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
        double cum = 0;
        int keep = 0;
        while (keep < n && cum < topP) {
            cum += p[order[keep++]];
        }
        double r = rng.nextDouble() * cum;
        double acc = 0;
        for (int i = 0; i < keep; i++) {
            acc += p[order[i]];
            if (r < acc) {
                return order[i];
            }
        }
        return order[keep - 1];
    }
}
