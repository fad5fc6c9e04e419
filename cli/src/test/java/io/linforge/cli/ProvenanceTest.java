package io.linforge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.linforge.core.Versions;
import io.linforge.core.onnx.proto.Onnx.ModelProto;
import io.linforge.core.onnx.proto.Onnx.StringStringEntryProto;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An export's provenance in its ONNX metadata_props, and {@code info} on the ONNX file. */
class ProvenanceTest {
    static final Path HF = ExportCommandTest.HF;

    @TempDir
    Path dir;

    static String sha256(Path f) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
    }

    @Test
    void exportCarriesVersionHashesAdaptersOpsetPrecisionAndCompression() throws Exception {
        Path base = HF.resolve("bert");
        Path adapter = HF.resolve("bert_lora");
        Path out = dir.resolve("exp");
        InfoCommandTest.Run r = InfoCommandTest.run("export", "--model", base.toString(), "--adapter", adapter.toString(),
                "--out", out.toString(), "--opset", "17", "--fp16");
        assertEquals(0, r.code(), r.err());

        Map<String, String> meta = new LinkedHashMap<>();
        for (StringStringEntryProto e : ModelProto.parseFrom(Files.readAllBytes(out.resolve("model.onnx"))).getMetadataPropsList()) {
            meta.put(e.getKey(), e.getValue());
        }
        assertEquals(Versions.linforge(), meta.get("linforge.version"));
        JsonNode baseHashes = CliSupport.JSON.readTree(meta.get("linforge.base_sha256"));
        assertEquals(1, baseHashes.size(), baseHashes.toString());
        assertEquals(sha256(base.resolve("model.safetensors")), baseHashes.get("model.safetensors").asText());
        JsonNode adapters = CliSupport.JSON.readTree(meta.get("linforge.adapters"));
        assertEquals(1, adapters.size());
        assertEquals("bert_lora", adapters.get(0).get("name").asText());
        JsonNode files = adapters.get(0).get("sha256");
        assertEquals(sha256(adapter.resolve("adapter_model.safetensors")), files.get("adapter_model.safetensors").asText());
        assertEquals(sha256(adapter.resolve("adapter_config.json")), files.get("adapter_config.json").asText());
        assertEquals("17", meta.get("linforge.opset"));
        assertEquals("fp16", meta.get("linforge.precision"));
        assertEquals("{\"linear_layers\":[]}", meta.get("linforge.compression"));

        // info on the ONNX file (and on the export folder) prints the same metadata.
        InfoCommandTest.Run info = InfoCommandTest.run("info", out.resolve("model.onnx").toString(), "--json", "-");
        assertEquals(0, info.code(), info.err());
        JsonNode j = CliSupport.JSON.readTree(info.out());
        assertEquals(17, j.get("opset").asInt());
        meta.forEach((k, v) -> assertEquals(v, j.get("metadata").get(k).asText(), k));
        assertTrue(info.err().contains(baseHashes.get("model.safetensors").asText()), info.err());
        InfoCommandTest.Run folder = InfoCommandTest.run("info", out.toString());
        assertEquals(0, folder.code(), folder.err());
        assertTrue(folder.out().contains("linforge.base_sha256"), folder.out());
    }
}
