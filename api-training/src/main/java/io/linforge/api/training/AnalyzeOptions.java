package io.linforge.api.training;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Options of {@link Training#analyze}; the fields are the options of {@code linforge analyze}, with its
 * defaults ({@link #builder}). (The command's {@code --seed} is accepted for recipes only: the first
 * {@code samples} texts are used, so there is nothing to seed.)
 *
 * @param model checkpoint folder (with {@code tokenizer.json})
 * @param adapters PEFT adapter folders folded in first, in order
 * @param data JSON lines with a {@code text} field, or plain text (cut into 512-character runs)
 * @param out output folder: {@code scores.json}, {@code scores.csv}, {@code profile.png}, {@code profile.svg}
 * @param overwrite replace linforge's files in an existing non-empty {@code out}
 * @param samples calibration texts (default 128)
 * @param seq tokens per text (default 128)
 * @param includeFirst keep position 0 (CLS/BOS) in the statistics
 * @param plotWidth width of the profile plot in pixels, 200..8000 (default 800)
 * @param plotHeight height of the profile plot in pixels, 200..8000 (default 450)
 */
public record AnalyzeOptions(Path model, List<Path> adapters, Path data, Path out, boolean overwrite, int samples, int seq,
        boolean includeFirst, int plotWidth, int plotHeight) {
    public AnalyzeOptions {
        adapters = List.copyOf(adapters);
    }

    /** {@code model} analysed on {@code data} into {@code out}, with the command line's defaults. */
    public static Builder builder(Path model, Path data, Path out) {
        return new Builder(model, data, out);
    }

    /** Builds {@link AnalyzeOptions}; every setter mirrors the option of the same name. */
    public static final class Builder {
        private final Path model;
        private final Path data;
        private final Path out;
        private final List<Path> adapters = new ArrayList<>();
        private boolean overwrite;
        private int samples = 128;
        private int seq = 128;
        private boolean includeFirst;
        private int plotWidth = 800;
        private int plotHeight = 450;

        private Builder(Path model, Path data, Path out) {
            this.model = model;
            this.data = data;
            this.out = out;
        }

        public Builder adapter(Path a) {
            adapters.add(a);
            return this;
        }

        public Builder adapters(List<Path> a) {
            adapters.addAll(a);
            return this;
        }

        public Builder overwrite(boolean v) {
            overwrite = v;
            return this;
        }

        public Builder samples(int v) {
            samples = v;
            return this;
        }

        public Builder seq(int v) {
            seq = v;
            return this;
        }

        public Builder includeFirst(boolean v) {
            includeFirst = v;
            return this;
        }

        public Builder plotWidth(int v) {
            plotWidth = v;
            return this;
        }

        public Builder plotHeight(int v) {
            plotHeight = v;
            return this;
        }

        public AnalyzeOptions build() {
            return new AnalyzeOptions(model, adapters, data, out, overwrite, samples, seq, includeFirst, plotWidth, plotHeight);
        }
    }
}
