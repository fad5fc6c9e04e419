"""Reference tokenizers for linforge's tokenizer tests, made with Hugging Face `tokenizers` and
checked through `transformers` (run on the GPU test host, where both are installed):

  python3 tests/gpu/make_tokenizer_fixtures.py recipes/data/moby_dick.txt core/src/test/resources/fixtures/tokenizers

Writes two small tokenizers trained on the text, each with what transformers encodes and decodes
for a set of test strings:
  OUTDIR/llama3_bpe/  byte-level BPE as Llama 3 ships it: the Llama 3 split regex, ByteLevel
                      mapping, <|begin_of_text|> added in front by the post-processor, chat specials
  OUTDIR/sp_bpe/      SentencePiece-style BPE as Llama 2 / Mistral ship it: spaces as U+2581 with
                      one prepended, byte fallback <0x00>..<0xFF>, <s> in front, <unk>
Each folder: tokenizer.json, tokenizer_config.json (as transformers saves it back), expected.json
({"versions", "cases": [{"text", "ids_with_specials", "ids", "tokens", "decoded",
"decoded_skip_special"}]}).
"""
import json
import os
import sys

import tokenizers
import transformers
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import PreTrainedTokenizerFast

LLAMA3_SPLIT = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                r"|\s*[\r\n]+|\s+(?!\S)|\s+")

CASES = [
    "Call me Ishmael.",
    "Some years ago—never mind how long precisely—having little or no money in my purse,",
    "  leading spaces,\ttabs\tand\n\nnewlines\r\n end  ",
    "Numbers: 1, 12, 123, 1234, 12345, 3.14159 and 2026-12-01.",
    "Contractions: don't, I'M, we've, they'll, she'd, it's.",
    "Unicode: café naïve Zürich — “quotes” … ½ ∑ 東京 😀 🐋",
    "<|begin_of_text|>special text <|eot_id|> in the middle",
    "<s>literal</s> and <unk>",
    "",
    " ",
    "a",
    "whale" * 20,
]


def train_llama3(text_file):
    tok = Tokenizer(models.BPE(ignore_merges=True))
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(LLAMA3_SPLIT), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel()
    specials = ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]
    trainer = trainers.BpeTrainer(vocab_size=1000, min_frequency=2, special_tokens=[],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train([text_file], trainer)
    tok.add_special_tokens(specials)
    bos = tok.token_to_id("<|begin_of_text|>")
    tok.post_processor = processors.Sequence([
        processors.ByteLevel(trim_offsets=False),
        processors.TemplateProcessing(single="<|begin_of_text|> $A", pair="<|begin_of_text|> $A <|begin_of_text|> $B:1",
                                      special_tokens=[("<|begin_of_text|>", bos)]),
    ])
    config = {"bos_token": "<|begin_of_text|>", "eos_token": "<|end_of_text|>", "clean_up_tokenization_spaces": True,
              "model_max_length": 131072, "tokenizer_class": "PreTrainedTokenizerFast"}
    return tok, config


def train_sp(text_file):
    specials = ["<unk>", "<s>", "</s>"]
    byte_tokens = ["<0x%02X>" % b for b in range(256)]
    tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    tok.normalizer = normalizers.Sequence([normalizers.Prepend("\u2581"), normalizers.Replace(" ", "\u2581")])
    tok.pre_tokenizer = None
    trainer = trainers.BpeTrainer(vocab_size=1000 - 256, min_frequency=2, special_tokens=specials, show_progress=False,
                                  limit_alphabet=120)
    tok.train([text_file], trainer)
    # SentencePiece's layout: <unk> <s> </s>, the 256 byte pieces, then the learned pieces and merges
    data = json.loads(tok.to_str())
    vocab = data["model"]["vocab"]
    learned = [t for t, _ in sorted(vocab.items(), key=lambda kv: kv[1]) if t not in specials]
    new_vocab = {}
    for t in specials + byte_tokens + learned:
        if t not in new_vocab:
            new_vocab[t] = len(new_vocab)
    data["model"]["vocab"] = new_vocab
    data["added_tokens"] = [dict(a, id=new_vocab[a["content"]]) for a in data["added_tokens"]]
    tok = Tokenizer.from_str(json.dumps(data))
    tok.decoder = decoders.Sequence([decoders.Replace("\u2581", " "), decoders.ByteFallback(), decoders.Fuse(),
                                     decoders.Strip(" ", 1, 0)])
    tok.post_processor = processors.TemplateProcessing(single="<s> $A", pair="<s> $A <s> $B:1",
                                                       special_tokens=[("<s>", new_vocab["<s>"])])
    config = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "add_bos_token": True,
              "add_eos_token": False, "clean_up_tokenization_spaces": False, "legacy": False,
              "model_max_length": 4096, "tokenizer_class": "PreTrainedTokenizerFast"}
    return tok, config


def write(out, tok, config):
    os.makedirs(out, exist_ok=True)
    tok.save(os.path.join(out, "tokenizer.json"))
    with open(os.path.join(out, "tokenizer_config.json"), "w") as f:
        json.dump(config, f, indent=2, ensure_ascii=False)
    hf = PreTrainedTokenizerFast.from_pretrained(out)
    hf.save_pretrained(out)  # tokenizer_config.json as transformers writes it
    hf = PreTrainedTokenizerFast.from_pretrained(out)
    cases = []
    for text in CASES:
        with_specials = hf(text)["input_ids"]
        plain = hf(text, add_special_tokens=False)["input_ids"]
        cases.append({"text": text, "ids_with_specials": with_specials, "ids": plain,
                      "tokens": hf.convert_ids_to_tokens(plain),
                      "decoded": hf.decode(with_specials),
                      "decoded_skip_special": hf.decode(with_specials, skip_special_tokens=True)})
    expected = {"versions": {"tokenizers": tokenizers.__version__, "transformers": transformers.__version__},
                "vocab_size": len(hf), "bos_token_id": hf.bos_token_id, "eos_token_id": hf.eos_token_id, "cases": cases}
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, ensure_ascii=False)
    print(out, "vocabulary", len(hf), "cases", len(cases))


def main():
    text_file, out = sys.argv[1], sys.argv[2]
    tok, config = train_llama3(text_file)
    write(os.path.join(out, "llama3_bpe"), tok, config)
    tok, config = train_sp(text_file)
    write(os.path.join(out, "sp_bpe"), tok, config)


if __name__ == "__main__":
    main()
