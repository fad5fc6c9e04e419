package io.linforge.trainer.optim;

/** Learning-rate schedules: linear warm-up, then constant, linear or cosine decay to zero. */
public final class Schedule {
    public enum Kind { CONSTANT, LINEAR, COSINE }

    private Schedule() {
    }

    /** The learning rate at {@code step} (0-based) of {@code total}. */
    public static double lr(Kind kind, double peak, int step, int warmup, int total) {
        if (warmup > 0 && step < warmup) {
            return peak * (step + 1) / warmup;
        }
        double progress = total <= warmup ? 1 : (double) (step - warmup) / (total - warmup);
        progress = Math.min(1, Math.max(0, progress));
        return switch (kind) {
            case CONSTANT -> peak;
            case LINEAR -> peak * (1 - progress);
            case COSINE -> peak * 0.5 * (1 + Math.cos(Math.PI * progress));
        };
    }

    /** Global L2 norm of the gradients → the factor that clips it to {@code maxNorm} (1 when below). */
    public static double clipScale(double globalNorm, double maxNorm) {
        return maxNorm > 0 && globalNorm > maxNorm ? maxNorm / (globalNorm + 1e-6) : 1.0;
    }
}
