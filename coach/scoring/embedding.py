"""Static token embeddings from the ``wordllama`` wheel, read without importing wordllama or numpy.

The wheel ships a 32,000 × 256 float16 embedding table (``weights/l2_supercat_256.safetensors``)
and its BPE tokenizer (``tokenizers/l2_supercat_tokenizer_config.json``; ``WordLlama.load()`` looks
for ``tokenizer/`` and fails, so we read the bundled files ourselves). A sentence's embedding is the
mean of its tokens' rows, as wordllama computes it; a linear model over that mean is the mean of
the tokens' own scores, so only the rows of the tokens a story uses are ever read.

Tokenising is a small pure-Python BPE over the wheel's vocabulary and merges (the text is cut
before each "▁" word start, as the SentencePiece vocabulary never merges across one). Importing
``tokenizers`` and numpy would cost ~0.3 s of every cold start; this costs ~40 ms, once, lazily.
Everything here is deterministic: the same text gives the same ids and the same floats.
"""

from __future__ import annotations

import importlib.util
import json
import mmap
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path

DIM = 256
_WEIGHTS = ("weights", "l2_supercat_256.safetensors")
_TOKENIZER = ("tokenizers", "l2_supercat_tokenizer_config.json")
_SPACE = "\u2581"  # "▁", SentencePiece's word start
_PIECE = re.compile(_SPACE + "[^" + _SPACE + "]*")  # a word start and what follows it up to the next one


def wordllama_dir() -> Path | None:
    """The installed wordllama package folder (found, never imported), or None."""
    try:
        spec = importlib.util.find_spec("wordllama")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations)))
    if not (folder.joinpath(*_WEIGHTS).is_file() and folder.joinpath(*_TOKENIZER).is_file()):
        return None
    return folder


@dataclass(slots=True)
class StaticEmbedding:
    """Token ids for a text, and each token's 256-dim row (read on demand from the memory-mapped table)."""

    vocab: dict[str, int]
    ranks: dict[str, int]  # "left right" (the merges as the file spells them) → priority
    rows: mmap.mmap
    data_offset: int
    _words: dict[str, tuple[int, ...]] = field(default_factory=dict)  # a part of ``words`` → its ids

    @classmethod
    def load(cls, folder: Path) -> StaticEmbedding:
        config = json.loads(folder.joinpath(*_TOKENIZER).read_text(encoding="utf-8"))
        model = config["model"]
        vocab: dict[str, int] = model["vocab"]
        merges = [m if isinstance(m, str) else " ".join(m) for m in model["merges"]]
        ranks = dict(zip(merges, range(len(merges))))
        with folder.joinpath(*_WEIGHTS).open("rb") as handle:
            rows = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        (header_len,) = struct.unpack_from("<Q", rows, 0)
        header = json.loads(rows[8 : 8 + header_len])
        tensor = header["embedding.weight"]
        if tensor["dtype"] != "F16" or tensor["shape"][1] != DIM:
            raise ValueError(f"unexpected wordllama table {tensor['dtype']} {tensor['shape']}")
        return cls(vocab, ranks, rows, 8 + header_len + tensor["data_offsets"][0])

    def token_ids(self, text: str) -> list[int]:
        """BPE ids of ``text`` (no special tokens), the normaliser's "▁" prepended and for spaces."""
        ids: list[int] = []
        word_ids = self.word_ids
        for word in self.words(text):
            ids += word_ids(word)
        return ids

    def words(self, text: str) -> list[str]:
        """The parts of ``text`` that are tokenised independently (``token_ids`` is their ``word_ids``, joined).

        Without a "▁" in the text they are ``text.split(" ")`` (an empty part stands for "▁" alone),
        which gives the same pieces as the general case without building the replaced text or running
        the regex; with one, the "▁"-led pieces themselves. The two kinds never collide as cache keys.
        """
        if _SPACE not in text:
            return text.split(" ")
        return _PIECE.findall(_SPACE + text.replace(" ", _SPACE))

    def word_ids(self, word: str) -> tuple[int, ...]:
        """BPE ids of one of ``words``' parts, cached."""
        found = self._words.get(word)
        if found is None:
            found = self._words[word] = tuple(self._bpe(word if word.startswith(_SPACE) else _SPACE + word))
        return found

    def row(self, token_id: int) -> tuple[float, ...]:
        return struct.unpack_from(f"<{DIM}e", self.rows, self.data_offset + token_id * DIM * 2)

    def _bpe(self, piece: str) -> list[int]:
        symbols = list(piece)
        ranks = self.ranks
        while len(symbols) > 1:
            pairs = [f"{a} {b}" for a, b in zip(symbols, symbols[1:])]
            best = min(range(len(pairs)), key=lambda j: ranks.get(pairs[j], 1 << 30))
            pair = pairs[best]
            if pair not in ranks:
                break
            merged: list[str] = []
            j = 0
            while j < len(symbols):  # merge every occurrence of the pair, left to right
                if j < len(symbols) - 1 and pairs[j] == pair:
                    merged.append(symbols[j] + symbols[j + 1])
                    j += 2
                else:
                    merged.append(symbols[j])
                    j += 1
            symbols = merged
        ids: list[int] = []
        for symbol in symbols:
            token = self.vocab.get(symbol)
            if token is not None:
                ids.append(token)
            else:  # byte fallback: one <0xNN> token per UTF-8 byte
                ids.extend(self.vocab.get(f"<0x{byte:02X}>", 0) for byte in symbol.encode("utf-8"))
        return ids


_LOADED: list[StaticEmbedding | None] = []


def shared() -> StaticEmbedding | None:
    """The process's embedding, loaded on first use; None when wordllama is not installed."""
    if not _LOADED:
        folder = wordllama_dir()
        _LOADED.append(StaticEmbedding.load(folder) if folder is not None else None)
    return _LOADED[0]
