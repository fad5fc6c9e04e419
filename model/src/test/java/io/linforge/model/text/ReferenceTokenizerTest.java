package io.linforge.model.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.linforge.core.LinforgeException;
import io.linforge.core.text.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The reference tokenizers of {@code fixtures/tokenizers} (a Llama 3 style byte-level BPE and a
 * SentencePiece-style BPE with byte fallback, made with Hugging Face tokenizers): every test string
 * encodes and decodes as transformers does.
 */
class ReferenceTokenizerTest {
    static final Path FIXTURES = Path.of("../core/src/test/resources/fixtures/tokenizers");
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    static long[] longs(JsonNode a) {
        return StreamSupport.stream(a.spliterator(), false).mapToLong(JsonNode::asLong).toArray();
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3_bpe", "sp_bpe"})
    void encodesAndDecodesEveryCaseAsTransformers(String name) throws Exception {
        Path dir = FIXTURES.resolve(name);
        JsonNode expected = JSON.readTree(dir.resolve("expected.json").toFile());
        try (Tokenizer tok = HfTokenizer.load(dir.resolve("tokenizer.json"))) {
            assertEquals(expected.get("vocab_size").asInt(), tok.vocabSize());
            long bos = expected.get("bos_token_id").asLong();
            int n = 0;
            for (JsonNode c : expected.get("cases")) {
                String text = c.get("text").asText();
                long[] withSpecials = longs(c.get("ids_with_specials"));
                String what = name + " " + JSON.writeValueAsString(text);
                assertEquals(bos, withSpecials[0], what);
                assertArrayEquals(withSpecials, tok.modelIds(text), what);
                assertArrayEquals(longs(c.get("ids")), tok.idsOf(text), what);
                assertEquals(c.get("decoded").asText(), tok.decode(withSpecials, false), what);
                assertEquals(c.get("decoded_skip_special").asText(), tok.decode(withSpecials), what);
                n++;
            }
            assertEquals(12, n);
        }
    }

    /** Byte fallback: characters outside the learned pieces become <0xNN> pieces and decode back whole. */
    @Test
    void byteFallbackPiecesDecodeToTheOriginalCharacters() throws Exception {
        try (Tokenizer tok = HfTokenizer.load(FIXTURES.resolve("sp_bpe/tokenizer.json"))) {
            long[] ids = tok.modelIds("東京 😀");
            // <s>, then ▁-prefixed UTF-8 bytes as <0xNN> pieces (ids 3..258)
            assertEquals(1, ids[0]);
            long bytes = Arrays.stream(ids).filter(i -> i >= 3 && i < 259).count();
            assertEquals(3 + 3 + 4, bytes);
            assertEquals("東京 😀", tok.decode(ids));
        }
    }

    /**
     * A completion is the whole sequence decoded less the prompt's text: the SentencePiece decoder
     * strips the leading space of the first token, so the new ids decoded alone would lose it.
     */
    @Test
    void completionKeepsTheSpaceThatTheFirstNewPieceCarries() throws Exception {
        try (Tokenizer tok = HfTokenizer.load(FIXTURES.resolve("sp_bpe/tokenizer.json"))) {
            long[] all = tok.modelIds("Call me Ishmael."); // <s> ▁C all ▁m e▁ I ...
            long[] prompt = Arrays.copyOf(all, 3);
            assertEquals("Call", tok.decode(prompt));
            assertEquals("me Ishmael.", tok.decode(Arrays.copyOfRange(all, 3, all.length)));
            assertEquals(" me Ishmael.", tok.completion(prompt, all));
        }
        try (Tokenizer tok = HfTokenizer.load(FIXTURES.resolve("llama3_bpe/tokenizer.json"))) {
            long[] all = tok.modelIds("Call me Ishmael."); // <|begin_of_text|> C all Ġme ...
            assertEquals(" me Ishmael.", tok.completion(Arrays.copyOf(all, 3), all));
        }
    }

    /** tokenizer_config.json's clean_up_tokenization_spaces (true for llama3_bpe) applies transformers' clean-up. */
    @Test
    void cleanUpTokenizationSpacesFollowsTheConfig() throws Exception {
        String text = "Hello , world . I 'm sure they 're here , are n't they ?";
        // the fixture's config says true, but transformers 5.17 ignores it for BPE models (it logged
        // "Ignoring clean_up_tokenization_spaces=True for BPE tokenizer" when the fixture was made)
        try (Tokenizer tok = HfTokenizer.load(FIXTURES.resolve("llama3_bpe/tokenizer.json"))) {
            assertEquals(text, tok.decode(tok.modelIds(text)));
        }
        Path bare = tmp.resolve("tokenizer.json");
        Files.copy(FIXTURES.resolve("llama3_bpe/tokenizer.json"), bare);
        try (Tokenizer tok = HfTokenizer.load(bare)) {
            assertEquals(text, tok.decode(tok.modelIds(text)));
        }
        Files.writeString(tmp.resolve("tokenizer_config.json"), "{\"clean_up_tokenization_spaces\": \"yes\"}");
        LinforgeException e = assertThrows(LinforgeException.class, () -> HfTokenizer.load(bare));
        assertEquals(LinforgeException.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().startsWith(tmp.resolve("tokenizer_config.json") + ": clean_up_tokenization_spaces: "),
                e.getMessage());
    }
}
