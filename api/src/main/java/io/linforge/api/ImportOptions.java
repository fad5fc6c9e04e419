package io.linforge.api;

import java.nio.file.Path;

/**
 * Options of {@link Linforge#importModel}; the fields are the options of {@code linforge import}.
 *
 * @param onnx a BERT-family {@code .onnx} file, or a jar/zip holding one (and its {@code tokenizer.json})
 * @param out the checkpoint folder to write
 * @param overwrite replace linforge's files in an existing non-empty {@code out}
 * @param heads attention heads, when the graph does not show them; null to read them from the graph
 */
public record ImportOptions(Path onnx, Path out, boolean overwrite, Integer heads) {
    /** {@code onnx} into {@code out}, with the command line's defaults. */
    public static ImportOptions of(Path onnx, Path out) {
        return new ImportOptions(onnx, out, false, null);
    }

    public ImportOptions withOverwrite(boolean v) {
        return new ImportOptions(onnx, out, v, heads);
    }

    public ImportOptions withHeads(Integer v) {
        return new ImportOptions(onnx, out, overwrite, v);
    }
}
