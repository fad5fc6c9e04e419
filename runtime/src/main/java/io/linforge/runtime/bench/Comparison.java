package io.linforge.runtime.bench;

import io.linforge.runtime.FloatTensor;
import io.linforge.runtime.Generator;
import io.linforge.runtime.InferenceSession;
import java.util.Arrays;
import java.util.Map;

/**
 * Two models timed on the same inputs, interleaved in short alternating rounds so that load
 * from elsewhere on the machine falls on both alike. Reports the median latency of each and
 * the ratio candidate / baseline. A decoder exported with its key/value cache gets an empty cache
 * (the whole sequence at once).
 */
public final class Comparison {
    /** Medians in milliseconds and their ratio. */
    public record Result(int batch, int seq, int samples, double candidateP50Ms, double baselineP50Ms, double ratio,
            double candidateP90Ms, double baselineP90Ms) {
    }

    private Comparison() {
    }

    public static Result run(InferenceSession candidate, InferenceSession baseline, Map<String, long[][]> inputs,
            int batch, int seq, int warmup, int rounds, int perRound) {
        Map<String, long[][]> inCand = candidate.modelInputs(inputs);
        Map<String, long[][]> inBase = baseline.modelInputs(inputs);
        Map<String, FloatTensor> pastCand = Generator.emptyCache(candidate, batch);
        Map<String, FloatTensor> pastBase = Generator.emptyCache(baseline, batch);
        for (int i = 0; i < warmup; i++) {
            candidate.execute(inCand, pastCand);
            baseline.execute(inBase, pastBase);
        }
        double[] a = new double[rounds * perRound];
        double[] b = new double[rounds * perRound];
        int k = 0;
        for (int r = 0; r < rounds; r++) {
            boolean candFirst = r % 2 == 0;
            for (int pass = 0; pass < 2; pass++) {
                boolean cand = (pass == 0) == candFirst;
                for (int i = 0; i < perRound; i++) {
                    long t0 = System.nanoTime();
                    if (cand) {
                        candidate.execute(inCand, pastCand);
                    } else {
                        baseline.execute(inBase, pastBase);
                    }
                    double ms = (System.nanoTime() - t0) / 1e6;
                    if (cand) {
                        a[k + i] = ms;
                    } else {
                        b[k + i] = ms;
                    }
                }
            }
            k += perRound;
        }
        Arrays.sort(a);
        Arrays.sort(b);
        double pa = Benchmark.percentile(a, 50);
        double pb = Benchmark.percentile(b, 50);
        return new Result(batch, seq, a.length, pa, pb, pa / pb, Benchmark.percentile(a, 90), Benchmark.percentile(b, 90));
    }
}
