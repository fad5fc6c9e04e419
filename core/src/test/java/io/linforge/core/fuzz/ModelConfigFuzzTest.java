package io.linforge.core.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.linforge.core.config.ModelConfig;

/** config.json: a config that is read must also answer every accessor the model builders use. */
class ModelConfigFuzzTest {
    @FuzzTest(maxDuration = "60s")
    void modelConfig(byte[] data) throws Exception {
        ParserContract.parseFile(data, "config.json", f -> {
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
    }
}
