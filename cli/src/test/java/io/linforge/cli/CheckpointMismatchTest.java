package io.linforge.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;

import io.linforge.core.checkpoint.Safetensors;
import io.linforge.core.tensor.TensorData;
import io.linforge.core.testing.BadInputTest;
import io.linforge.core.testing.BadInputs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints and adapters that do not fit their config or the base model are exit 2, never a silent partial model. */
class CheckpointMismatchTest {
    static final String LORA_A = "base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.weight";

    @TempDir
    Path dir;

    InfoCommandTest.Run export(Path model, String... adapter) {
        Path out = dir.resolve("out");
        InfoCommandTest.Run r = InfoCommandTest.run(adapter.length == 0
                ? new String[] {"export", "--model", model.toString(), "--out", out.toString()}
                : new String[] {"export", "--model", model.toString(), "--adapter", adapter[0], "--out", out.toString()});
        assertFalse(Files.exists(out), "nothing written");
        return r;
    }

    @BadInputTest
    void aConfigWithFewerLayersThanTheCheckpointIsRefused() throws Exception {
        Path ckpt = NonFiniteInputTest.copyWith(dir, "bert", "model.safetensors", NonFiniteInputTest.TENSOR, t -> t);
        Path cfg = ckpt.resolve("config.json");
        Files.writeString(cfg, Files.readString(cfg).replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 1"));
        InfoCommandTest.Run r = export(ckpt);
        NonFiniteInputTest.badInput(r, "export", ckpt.toString(), "bert.encoder.layer.1.",
                "not used by the model", "(1 layers)");
        BadInputs.input("a checkpoint tensor no part of the model reads (`num_hidden_layers` below the checkpoint's, an"
                + " unknown extra tensor)").path(ckpt, "ckpt").record(r.code(), r.err());
    }

    @Test
    void anUnknownExtraTensorIsRefusedByName() throws Exception {
        Path ckpt = NonFiniteInputTest.copyWith(dir, "bert", "model.safetensors", "bert.encoder.extra.weight",
                t -> TensorData.ofFloats(new long[] {2}, new float[] {1, 2}));
        NonFiniteInputTest.badInput(export(ckpt), "export", "bert.encoder.extra.weight: not used by the model");
    }

    @BadInputTest
    void anAdapterWhoseTargetModulesNameNothingIsRefused() throws Exception {
        Path adapter = NonFiniteInputTest.copyWith(dir, "bert_lora", "adapter_model.safetensors", LORA_A, t -> t);
        Path cfg = adapter.resolve("adapter_config.json");
        Files.writeString(cfg, Files.readString(cfg).replaceAll("\"target_modules\": \\[[^\\]]*\\]",
                "\"target_modules\": [\"qkv_proj\"]"));
        InfoCommandTest.Run r = export(NonFiniteInputTest.HF.resolve("bert"), adapter.toString());
        NonFiniteInputTest.badInput(r, "export", cfg.toString(), "target_modules", "qkv_proj", "names no module");
        BadInputs.input("an adapter whose `target_modules` name no module of the base").path(adapter, "adapter")
                .record(r.code(), r.err());
    }

    @BadInputTest
    void anAdapterWithoutLoraTensorsIsRefused() throws Exception {
        Path adapter = NonFiniteInputTest.copyWith(dir, "bert_lora", "adapter_model.safetensors", LORA_A, t -> t);
        Path weights = adapter.resolve("adapter_model.safetensors");
        // only the head is left
        Map<String, TensorData> head = new LinkedHashMap<>(Safetensors.readAll(weights));
        head.keySet().removeIf(n -> n.contains(".lora_"));
        Files.delete(weights);
        Safetensors.write(weights, head, Map.of("format", "pt"));
        Path only = adapter;
        InfoCommandTest.Run r = export(NonFiniteInputTest.HF.resolve("bert"), only.toString());
        NonFiniteInputTest.badInput(r, "export", only.resolve("adapter_model.safetensors").toString(), "no LoRA tensors");
        BadInputs.input("an adapter with no `lora_A`/`lora_B` tensors").path(only, "adapter").record(r.code(), r.err());
    }
}
