package io.linforge.model.text;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.linforge.core.LinforgeException;
import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.core.config.ModelConfig;
import io.linforge.core.text.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A Hugging Face {@code tokenizer.json} read by the Rust tokenizers library through DJL. Truncation
 * and padding are explicit ({@link Tokenizer}); the file's own truncation and padding settings are not used.
 */
public final class HfTokenizer implements Tokenizer {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** What transformers' {@code clean_up_tokenization_spaces} replaces in decoded text, in its order. */
    private static final String[][] CLEAN_UP = {{" .", "."}, {" ?", "?"}, {" !", "!"}, {" ,", ","}, {" ' ", "'"},
        {" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};

    private final Path path;
    private final HuggingFaceTokenizer hf;
    private final int maxLength;
    private final long padId;
    private final int vocabSize;
    private final boolean cleanUpSpaces;

    private HfTokenizer(Path path, HuggingFaceTokenizer hf, int maxLength, long padId, int vocabSize, boolean cleanUpSpaces) {
        this.path = path;
        this.hf = hf;
        this.maxLength = maxLength;
        this.padId = padId;
        this.vocabSize = vocabSize;
        this.cleanUpSpaces = cleanUpSpaces;
    }

    /** Loads {@code tokenizerJson}; texts are truncated to 512 tokens unless {@link #encode} says otherwise. */
    public static HfTokenizer load(Path tokenizerJson) {
        return load(tokenizerJson, 512);
    }

    public static HfTokenizer load(Path tokenizerJson, int maxLength) {
        if (!Files.isRegularFile(tokenizerJson)) {
            throw LinforgeException.badInput(tokenizerJson, "file", "missing (a Hugging Face tokenizer.json is needed)");
        }
        long padId = 0;
        long vocab;
        boolean cleanUp = cleanUpSpaces(tokenizerJson.resolveSibling(Checkpoint.TOKENIZER_CONFIG));
        try {
            JsonNode n = JSON.readTree(tokenizerJson.toFile());
            // transformers (5.x) ignores clean_up_tokenization_spaces for BPE models: the clean-up is
            // meant for WordPiece and would remove spaces a BPE tokenizer encoded
            if ("BPE".equals(n.path("model").path("type").asText())) {
                cleanUp = false;
            }
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
            return new HfTokenizer(tokenizerJson, hf, maxLength, padId, Math.toIntExact(vocab), cleanUp);
        } catch (IOException | RuntimeException e) {
            throw LinforgeException.badInput(tokenizerJson, "tokenizer", "cannot load: " + e.getMessage());
        }
    }

    /**
     * The tokenizer of a checkpoint folder; exit 2 naming the missing file when there is none, or
     * when it can produce token ids the model's embedding table ({@code vocab_size}) has no row for.
     */
    public static HfTokenizer forCheckpoint(Checkpoint ckpt) {
        return forModel(ckpt.dir(), ckpt.config());
    }

    public static HfTokenizer forCheckpoint(Path dir) {
        // the tokenizer is read (and named when missing) before the config it is checked against
        HfTokenizer tok = load(dir.resolve(Checkpoint.TOKENIZER));
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
    public static HfTokenizer forModel(Path dir, ModelConfig config) {
        return fits(load(dir.resolve(Checkpoint.TOKENIZER)), dir, config);
    }

    /** {@code tok}, or exit 2 (closing it) when it names ids beyond the embedding table of {@code config}. */
    private static HfTokenizer fits(HfTokenizer tok, Path dir, ModelConfig config) {
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

    /**
     * Whether decoded text gets transformers' {@code clean_up_tokenization_spaces} (false when there
     * is no {@code tokenizer_config.json}, as transformers defaults; never for a BPE model, see
     * {@link #load(Path, int)}); exit 2 when the field is not a boolean.
     */
    private static boolean cleanUpSpaces(Path config) {
        if (!Files.isRegularFile(config)) {
            return false;
        }
        JsonNode n;
        try {
            n = JSON.readTree(config.toFile());
        } catch (IOException e) {
            throw LinforgeException.badInput(config, "json", "malformed: " + e.getMessage().split("\n")[0]);
        }
        JsonNode c = n == null ? null : n.get("clean_up_tokenization_spaces");
        if (c == null || c.isNull()) {
            return false;
        }
        if (!c.isBoolean()) {
            throw LinforgeException.badInput(config, "clean_up_tokenization_spaces", "expected true or false, got " + c);
        }
        return c.booleanValue();
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

    @Override
    public Path path() {
        return path;
    }

    @Override
    public long padId() {
        return padId;
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
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

    @Override
    public long[] idsOf(String text) {
        Encoding e = hf.encode(text, false, false);
        return e.getIds();
    }

    @Override
    public long[] modelIds(String text) {
        return hf.encode(text, true, false).getIds();
    }

    @Override
    public String decode(long[] ids, boolean skipSpecialTokens) {
        String text = hf.decode(ids, skipSpecialTokens);
        if (cleanUpSpaces) {
            for (String[] r : CLEAN_UP) {
                text = text.replace(r[0], r[1]);
            }
        }
        return text;
    }

    @Override
    public int maxLength() {
        return maxLength;
    }

    @Override
    public void close() {
        hf.close();
    }
}
