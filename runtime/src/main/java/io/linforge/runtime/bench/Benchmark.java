package io.linforge.runtime.bench;

import io.linforge.core.LinforgeException;
import io.linforge.core.onnx.TensorNames;
import io.linforge.runtime.FloatTensor;
import io.linforge.runtime.Generator;
import io.linforge.runtime.InferenceSession;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Latency and throughput of an {@link InferenceSession} over a sweep of batch sizes and sequence
 * lengths, on synthetic token ids (uniform over the vocabulary, seeded; full attention mask, type
 * ids 0; for a decoder exported with its key/value cache, positions 0..seq−1 and an empty cache, so
 * the whole sequence runs at once, as for a prompt). Each shape gets its own warm-up; latency covers
 * one {@link InferenceSession#execute} call: the host-side input copies, the run, and the outputs
 * reaching host memory (without their conversion into Java arrays).
 */
public final class Benchmark {
    /** One shape's measurements (milliseconds; throughput per second). */
    public record ShapeResult(int batch, int seq, int iterations, double meanMs, double p50Ms, double p90Ms,
            double p99Ms, double minMs, double maxMs, double sequencesPerSec, double tokensPerSec) {
    }

    private final InferenceSession session;
    private final int vocab;
    private final long seed;
    private final boolean outputsOnDevice;
    private final int decodePast;

    public Benchmark(InferenceSession session, int vocab, long seed) {
        this(session, vocab, seed, false, 0);
    }

    /**
     * {@code outputsOnDevice}: the outputs stay in device memory (TensorRT engines only; the
     * time is then the input copies and the run). {@code decodePast} > 0 (decoders with a
     * key/value cache): each run continues a cache of that many positions (zeros), as a decoding
     * step does, instead of starting from an empty one; with {@code outputsOnDevice} the runs are
     * a decoding loop instead, as {@code generate} runs an engine: the cache of {@code decodePast}
     * positions is copied to the GPU once, each step's present key/values become the next step's
     * past there (the cache grows by one position per step) and only the logits come back.
     */
    public Benchmark(InferenceSession session, int vocab, long seed, boolean outputsOnDevice, int decodePast) {
        if (vocab < 1) {
            throw new IllegalArgumentException("vocab");
        }
        if (decodePast < 0) {
            throw LinforgeException.badInput("--decode-past: must be >= 0");
        }
        if (decodePast > 0 && session.inputs().stream().noneMatch(i -> TensorNames.isPast(i.name()))) {
            throw LinforgeException.badInput("--decode-past needs a decoder exported with its key/value cache");
        }
        this.session = session;
        this.vocab = vocab;
        this.seed = seed;
        this.outputsOnDevice = outputsOnDevice;
        this.decodePast = decodePast;
    }

    /** The key/value cache each timed run starts from: empty, or {@code decodePast} positions of zeros. */
    Map<String, FloatTensor> cache(int batch) {
        Map<String, FloatTensor> past = Generator.emptyCache(session, batch);
        if (decodePast == 0) {
            return past;
        }
        Map<String, FloatTensor> out = new HashMap<>();
        for (Map.Entry<String, FloatTensor> e : past.entrySet()) {
            long[] shape = e.getValue().shape().clone();
            shape[2] = decodePast;
            out.put(e.getKey(), new FloatTensor(shape, new float[Math.toIntExact(shape[0] * shape[1] * shape[2] * shape[3])]));
        }
        return out;
    }

    private void runOnce(Map<String, long[][]> in, Map<String, FloatTensor> past) {
        if (outputsOnDevice) {
            session.executeOnDevice(in, past);
        } else {
            session.execute(in, past);
        }
    }

    /** The inputs of one synthetic batch, only those the model has. */
    public Map<String, long[][]> inputs(int batch, int seq) {
        SplittableRandom r = new SplittableRandom(seed ^ (31L * batch + seq));
        long[][] ids = new long[batch][seq];
        long[][] mask = new long[batch][seq];
        for (int i = 0; i < batch; i++) {
            for (int j = 0; j < seq; j++) {
                ids[i][j] = r.nextInt(vocab);
                mask[i][j] = 1;
            }
        }
        Map<String, long[][]> in = new HashMap<>();
        in.put(TensorNames.INPUT_IDS, ids);
        in.put(TensorNames.ATTENTION_MASK, mask);
        in.put(TensorNames.TOKEN_TYPE_IDS, new long[batch][seq]);
        if (decodePast > 0) {
            long[][] pos = new long[batch][seq];
            long[][] full = new long[batch][decodePast + seq];
            for (int i = 0; i < batch; i++) {
                Arrays.fill(full[i], 1);
                for (int j = 0; j < seq; j++) {
                    pos[i][j] = decodePast + j;
                }
            }
            in.put(TensorNames.ATTENTION_MASK, full);
            in.put(TensorNames.POSITION_IDS, pos);
        }
        return session.modelInputs(in);
    }

    /** Whether {@link #measure} runs a decoding loop with the cache on the device (see the constructor). */
    public boolean decodesOnDevice() {
        return decodePast > 0 && outputsOnDevice && session.feedsOnDevice();
    }

    public ShapeResult measure(int batch, int seq, int warmup, int iterations) {
        if (batch < 1 || seq < 1 || iterations < 1 || warmup < 0) {
            throw LinforgeException.badInput("batch, seq and iterations must be >= 1, warmup >= 0");
        }
        boolean loop = decodesOnDevice();
        if (loop && seq != 1) {
            throw LinforgeException.badInput("--seq: a decoding loop with the cache on the GPU (--decode-past with "
                    + "--outputs device) runs one token per step; give --seq 1");
        }
        Map<String, long[][]> in = inputs(batch, seq);
        Map<String, FloatTensor> past = cache(batch);
        Map<String, String> fed = loop ? Generator.cacheFeeds(session) : Map.of();
        if (loop) {
            // the cache of decodePast positions goes to the GPU once
            session.runFed(in, past, Map.of(), Set.of(TensorNames.LOGITS));
        }
        double[] ms = new double[iterations];
        long total = 0;
        for (int i = -warmup; i < iterations; i++) {
            Map<String, long[][]> step = loop ? decodeStep(batch, decodePast + 1 + warmup + i) : in;
            long t0 = System.nanoTime();
            if (loop) {
                session.runFed(step, Map.of(), fed, Set.of(TensorNames.LOGITS));
            } else {
                runOnce(in, past);
            }
            long dt = System.nanoTime() - t0;
            if (i >= 0) {
                total += dt;
                ms[i] = dt / 1e6;
            }
        }
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        double meanMs = total / 1e6 / iterations;
        double seqPerSec = batch * iterations / (total / 1e9);
        return new ShapeResult(batch, seq, iterations, meanMs, percentile(sorted, 50), percentile(sorted, 90),
                percentile(sorted, 99), sorted[0], sorted[sorted.length - 1], seqPerSec, seqPerSec * seq);
    }

    /** One token per row at position {@code cached}, after a cache of {@code cached} positions. */
    private Map<String, long[][]> decodeStep(int batch, int cached) {
        SplittableRandom r = new SplittableRandom(seed ^ (31L * batch + cached));
        long[][] ids = new long[batch][1];
        long[][] pos = new long[batch][1];
        long[][] mask = new long[batch][cached + 1];
        for (int i = 0; i < batch; i++) {
            ids[i][0] = r.nextInt(vocab);
            pos[i][0] = cached;
            Arrays.fill(mask[i], 1);
        }
        Map<String, long[][]> in = new HashMap<>();
        in.put(TensorNames.INPUT_IDS, ids);
        in.put(TensorNames.ATTENTION_MASK, mask);
        in.put(TensorNames.POSITION_IDS, pos);
        return session.modelInputs(in);
    }

    public List<ShapeResult> sweep(List<Integer> batches, List<Integer> seqs, int warmup, int iterations) {
        List<ShapeResult> out = new ArrayList<>();
        for (int b : batches) {
            for (int s : seqs) {
                out.add(measure(b, s, warmup, iterations));
            }
        }
        return out;
    }

    /** Nearest-rank percentile of an ascending array. */
    public static double percentile(double[] sorted, double p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
