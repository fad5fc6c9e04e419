package io.linforge.core.text;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.linforge.core.LinforgeException;
import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.core.config.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A Hugging Face {@code tokenizer.json} (the Rust tokenizers library through DJL). Truncation and
 * padding are explicit: each text is cut to {@code maxLength} tokens and the batch is padded to
 * its longest member with the tokenizer's pad id; settings inside the file are not used.
 */
public final class Tokenizer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A padded batch: ids, attention mask (1 = token, 0 = padding) and token type ids. */
    public record Batch(long[][] inputIds, long[][] attentionMask, long[][] typeIds) {
        public int size() {
            return inputIds.length;
        }

        public int seqLen() {
            return inputIds.length == 0 ? 0 : inputIds[0].length;
        }
    }

    private final Path path;
    private final HuggingFaceTokenizer hf;
    private final int maxLength;
    private final long padId;
    private final int vocabSize;

    private Tokenizer(Path path, HuggingFaceTokenizer hf, int maxLength, long padId, int vocabSize) {
        this.path = path;
        this.hf = hf;
        this.maxLength = maxLength;
        this.padId = padId;
        this.vocabSize = vocabSize;
    }

    /** Loads {@code tokenizerJson}; texts are truncated to 512 tokens unless {@link #encode} says otherwise. */
    public static Tokenizer load(Path tokenizerJson) {
        return load(tokenizerJson, 512);
    }

    public static Tokenizer load(Path tokenizerJson, int maxLength) {
        if (!Files.isRegularFile(tokenizerJson)) {
            throw LinforgeException.badInput(tokenizerJson, "file", "missing (a Hugging Face tokenizer.json is needed)");
        }
        long padId = 0;
        long vocab;
        try {
            JsonNode n = JSON.readTree(tokenizerJson.toFile());
            padId = padId(n);
            vocab = Math.max(largestId(n), padId) + 1;
        } catch (IOException e) {
            throw LinforgeException.badInput(tokenizerJson, "json", "malformed: " + e.getMessage().split("\n")[0]);
        }
        try {
            HuggingFaceTokenizer hf = HuggingFaceTokenizer.builder()
                    .optTokenizerPath(tokenizerJson)
                    .optAddSpecialTokens(true)
                    .optTruncation(false)
                    .optPadding(false)
                    .build();
            return new Tokenizer(tokenizerJson, hf, maxLength, padId, Math.toIntExact(vocab));
        } catch (IOException | RuntimeException e) {
            throw LinforgeException.badInput(tokenizerJson, "tokenizer", "cannot load: " + e.getMessage());
        }
    }

    /**
     * The tokenizer of a checkpoint folder; exit 2 naming the missing file when there is none, or
     * when it can produce token ids the model's embedding table ({@code vocab_size}) has no row for.
     */
    public static Tokenizer forCheckpoint(Checkpoint ckpt) {
        return forModel(ckpt.dir(), ckpt.config());
    }

    public static Tokenizer forCheckpoint(Path dir) {
        // the tokenizer is read (and named when missing) before the config it is checked against
        Tokenizer tok = load(dir.resolve(Checkpoint.TOKENIZER));
        ModelConfig config;
        try {
            config = ModelConfig.read(dir.resolve(Checkpoint.CONFIG));
        } catch (RuntimeException e) {
            tok.close();
            throw e;
        }
        return fits(tok, dir, config);
    }

    /** The tokenizer of the checkpoint folder {@code dir}, whose model is described by {@code config}. */
    public static Tokenizer forModel(Path dir, ModelConfig config) {
        return fits(load(dir.resolve(Checkpoint.TOKENIZER)), dir, config);
    }

    /** {@code tok}, or exit 2 (closing it) when it names ids beyond the embedding table of {@code config}. */
    private static Tokenizer fits(Tokenizer tok, Path dir, ModelConfig config) {
        if (tok.vocabSize > config.vocabSize()) {
            Path file = tok.path;
            tok.close();
            throw LinforgeException.badInput(file, "vocabulary", "token ids up to " + (tok.vocabSize - 1) + ", but "
                    + dir.resolve(Checkpoint.CONFIG) + "'s vocab_size is " + config.vocabSize()
                    + " (the embedding table has no row for ids >= " + config.vocabSize()
                    + "); use the model's own tokenizer or a checkpoint whose embeddings were resized to it");
        }
        return tok;
    }

    /**
     * The vocabulary size of a tokenizer.json: one more than the largest token id it names (its
     * model's vocabulary and its added tokens); exit 2 when it names none.
     */
    public static int vocabSize(Path tokenizerJson) {
        try {
            long max = largestId(JSON.readTree(tokenizerJson.toFile()));
            if (max < 0) {
                throw LinforgeException.badInput(tokenizerJson, "model.vocab", "empty or missing");
            }
            return Math.toIntExact(max + 1);
        } catch (IOException e) {
            throw LinforgeException.badInput(tokenizerJson, "json", "malformed: " + e.getMessage().split("\n")[0]);
        }
    }

    /** The largest token id a parsed tokenizer.json names; -1 when it names none. */
    private static long largestId(JsonNode n) {
        long max = -1;
        JsonNode vocab = n.path("model").path("vocab");
        if (vocab.isObject()) {
            for (JsonNode id : (Iterable<JsonNode>) vocab::elements) {
                max = Math.max(max, id.asLong());
            }
        } else if (vocab.isArray()) {
            max = vocab.size() - 1;
        }
        for (JsonNode a : n.path("added_tokens")) {
            max = Math.max(max, a.path("id").asLong());
        }
        return max;
    }

    private static long padId(JsonNode n) {
        JsonNode p = n.path("padding");
        if (p.has("pad_id")) {
            return p.get("pad_id").asLong();
        }
        JsonNode vocab = n.path("model").path("vocab");
        for (String t : List.of("[PAD]", "<pad>", "<|pad|>")) {
            if (vocab.has(t)) {
                return vocab.get(t).asLong();
            }
        }
        for (JsonNode added : n.path("added_tokens")) {
            String c = added.path("content").asText();
            if (c.equals("[PAD]") || c.equals("<pad>")) {
                return added.path("id").asLong();
            }
        }
        return 0;
    }

    public Path path() {
        return path;
    }

    public long padId() {
        return padId;
    }

    /** One more than the largest token id this tokenizer can produce. */
    public int vocabSize() {
        return vocabSize;
    }

    /** Encodes and pads to the longest text of the batch (each at most {@code maxLength} tokens). */
    public Batch encode(List<String> texts, int maxLength) {
        Encoding[] enc = hf.batchEncode(texts.toArray(String[]::new));
        int longest = 0;
        for (Encoding e : enc) {
            longest = Math.max(longest, Math.min(e.getIds().length, maxLength));
        }
        int b = enc.length;
        long[][] ids = new long[b][longest];
        long[][] mask = new long[b][longest];
        long[][] types = new long[b][longest];
        for (int i = 0; i < b; i++) {
            long[] id = enc[i].getIds();
            long[] ty = enc[i].getTypeIds();
            int n = Math.min(id.length, maxLength);
            if (n < id.length && n > 0) {
                // Cut below the file's own limit: keep the closing special token in place.
                long last = id[id.length - 1];
                System.arraycopy(id, 0, ids[i], 0, n);
                if (enc[i].getSpecialTokenMask()[id.length - 1] == 1) {
                    ids[i][n - 1] = last;
                }
            } else {
                System.arraycopy(id, 0, ids[i], 0, n);
            }
            System.arraycopy(ty, 0, types[i], 0, n);
            for (int j = 0; j < longest; j++) {
                mask[i][j] = j < n ? 1 : 0;
                if (j >= n) {
                    ids[i][j] = padId;
                }
            }
        }
        return new Batch(ids, mask, types);
    }

    public Batch encode(List<String> texts) {
        return encode(texts, maxLength);
    }

    /** Token ids of {@code text} without special tokens and without truncation (for language modelling). */
    public long[] idsOf(String text) {
        Encoding e = hf.encode(text, false, false);
        return e.getIds();
    }

    /** Text of token ids (special tokens skipped). */
    public String decode(long[] ids) {
        return hf.decode(ids, true);
    }

    public int maxLength() {
        return maxLength;
    }

    @Override
    public void close() {
        hf.close();
    }
}
