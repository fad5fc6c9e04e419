package io.linforge.trainer.optim;

/**
 * Learning-rate schedules: linear warm-up, then constant, linear or cosine decay to zero, and
 * ReLoRA's jagged cosine (a cosine envelope with a short linear re-warm-up after every restart).
 */
public final class Schedule {
    public enum Kind { CONSTANT, LINEAR, COSINE, JAGGED }

    private Schedule() {
    }

    /** Kind from its option name ({@code constant, linear, cosine, jagged}); null when unknown. */
    public static Kind parse(String name) {
        for (Kind k : Kind.values()) {
            if (k.name().equalsIgnoreCase(name)) {
                return k;
            }
        }
        return null;
    }

    /** The learning rate at {@code step} (0-based) of {@code total}; JAGGED without restarts is COSINE. */
    public static double lr(Kind kind, double peak, int step, int warmup, int total) {
        if (kind == Kind.JAGGED) {
            return jagged(peak, step, total, warmup, 0, 0, 0);
        }
        if (warmup > 0 && step < warmup) {
            return peak * (step + 1) / warmup;
        }
        double progress = total <= warmup ? 1 : (double) (step - warmup) / (total - warmup);
        progress = Math.min(1, Math.max(0, progress));
        return switch (kind) {
            case CONSTANT -> peak;
            case LINEAR -> peak * (1 - progress);
            default -> peak * 0.5 * (1 + Math.cos(Math.PI * progress));
        };
    }

    /**
     * Jagged cosine: for {@code t < warmup} a linear ramp {@code (t+1)/warmup}; otherwise the cosine
     * envelope {@code ρ + (1−ρ)·½(1 + cos(π·(t − W₀)/(T − W₀)))}, except in the first
     * {@code restartWarmup} steps of every restart period {@code R} after the first, where the
     * rate ramps linearly, {@code (j+1)/Wᵣ}, towards the envelope's value at the end of that ramp.
     * {@code restartEvery = 0} disables restarts; {@code minRatio} is ρ.
     */
    public static double jagged(double peak, int t, int total, int warmup, int restartEvery, int restartWarmup,
            double minRatio) {
        return jagged(peak, t, total, warmup, restartEvery, restartWarmup, minRatio, 0);
    }

    /**
     * As above with the restarts at {@code offset + k·R} (k ≥ 0, step 0 excluded): ReLoRA's switch
     * from a full-rank warm start to the low-rank phase is a restart too.
     */
    public static double jagged(double peak, int t, int total, int warmup, int restartEvery, int restartWarmup,
            double minRatio, int offset) {
        if (warmup > 0 && t < warmup) {
            return peak * (t + 1) / warmup;
        }
        if (restartEvery > 0 && t >= offset) {
            int j = (t - offset) % restartEvery;
            int start = t - j;
            if (start > 0 && j < restartWarmup) {
                return peak * (j + 1) / restartWarmup * envelope(start + restartWarmup, total, warmup, minRatio);
            }
        }
        return peak * envelope(t, total, warmup, minRatio);
    }

    private static double envelope(int t, int total, int warmup, double minRatio) {
        double p = total <= warmup ? 1 : Math.min(1, Math.max(0, (double) (t - warmup) / (total - warmup)));
        return minRatio + (1 - minRatio) * 0.5 * (1 + Math.cos(Math.PI * p));
    }

    /** Global L2 norm of the gradients → the factor that clips it to {@code maxNorm} (1 when below). */
    public static double clipScale(double globalNorm, double maxNorm) {
        return maxNorm > 0 && globalNorm > maxNorm ? maxNorm / (globalNorm + 1e-6) : 1.0;
    }
}
