package io.linforge.trainer.optim;

/**
 * Learning-rate schedules: linear warm-up, then constant, linear or cosine decay to zero, and
 * ReLoRA's jagged cosine (a cosine envelope with a short linear re-warm-up after every restart), the
 * latter exactly as the ReLoRA authors' code computes it.
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
     * ReLoRA's jagged cosine without a warm start, see below.
     */
    public static double jagged(double peak, int t, int total, int warmup, int restartEvery, int restartWarmup,
            double minRatio) {
        return jagged(peak, t, total, warmup, restartEvery, restartWarmup, minRatio, 0);
    }

    /**
     * ReLoRA's schedule as the authors' code computes it ({@code get_scheculer} of Guitaricet/relora), the
     * rate at update {@code t} (0-based) of {@code total}:
     * <ul>
     * <li>{@code t < warmStart}, the full-rank warm start, is the full-rank run's schedule over all
     * updates: {@code t/warmup} during the warm-up (0 at the first update), then the cosine
     * {@code ρ + (1−ρ)·½(1 + cos(π·(t − warmup)/(total − warmup)))}.
     * <li>The low-rank phase starts the schedule again, as a run from a warmed-up model does: with
     * {@code u = t − warmStart} and {@code n = total − warmStart}, a warm-up {@code u/warmup}, then the
     * cosine over {@code n}, except in the first {@code restartWarmup} updates of every restart period
     * {@code R} after the first, where the rate is {@code j/Wᵣ} (0 at the restart itself) times the
     * cosine's value at the end of that ramp, {@code kR + Wᵣ}.
     * </ul>
     * {@code restartEvery = 0} disables restarts; {@code minRatio} is ρ.
     */
    public static double jagged(double peak, int t, int total, int warmup, int restartEvery, int restartWarmup,
            double minRatio, int warmStart) {
        if (t < warmStart) {
            return peak * (t < warmup ? (double) t / warmup : envelope(t, total, warmup, minRatio));
        }
        int u = t - warmStart;
        int n = total - warmStart;
        if (u < warmup) {
            return peak * u / warmup;
        }
        if (restartEvery > 0 && u >= restartEvery) {
            int j = u % restartEvery;
            if (j < restartWarmup) {
                int start = u - j;
                return peak * j / restartWarmup * envelope(start + restartWarmup, n, warmup, minRatio);
            }
        }
        return peak * envelope(u, n, warmup, minRatio);
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
