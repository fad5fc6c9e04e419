package io.linforge.core.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.linforge.core.config.ModelConfig;
import java.nio.file.Files;
import java.nio.file.Path;

/** config.json: a config that is read must also answer every accessor the model builders use. */
class ModelConfigFuzzTest {
    @FuzzTest(maxDuration = "60s")
    void modelConfig(byte[] data) throws Exception {
        Path dir = ParserContract.tempDir();
        try {
            Path f = dir.resolve("config.json");
            Files.write(f, data);
            ParserContract.parsesOrRejects(f, () -> {
                ModelConfig c = ModelConfig.read(f);
                c.architectures();
                c.vocabSize();
                c.hiddenSize();
                c.numHiddenLayers();
                c.numAttentionHeads();
                c.numKeyValueHeads();
                c.intermediateSize();
                c.maxPositionEmbeddings();
                c.typeVocabSize();
                c.headDim();
                c.hiddenAct();
                c.layerNormEps();
                c.rmsNormEps();
                c.tieWordEmbeddings();
                c.padTokenId();
                c.id2label();
                c.numLabels();
                c.linearLayers();
                if (c.isDecoder()) {
                    c.rope();
                    c.decoderBiases();
                    c.slidingWindow();
                }
            });
        } finally {
            ParserContract.delete(dir);
        }
    }
}
