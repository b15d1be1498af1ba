"""``python -m training import|embed|fit|evaluate|publish|rollback|list`` on the app's database."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from recommender.errors import RecommenderError


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m training", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    imp = sub.add_parser("import", help="import articles from CSV, JSON Lines or RSS/Atom files")
    imp.add_argument("files", nargs="+", type=Path)
    imp.add_argument("--format", choices=["csv", "jsonl", "feed"])
    imp.add_argument("--language", help="language for rows that do not say (ISO 639-1)")
    emb = sub.add_parser("embed", help="embed new and changed approved articles (by content hash)")
    emb.add_argument(
        "--encoder", help="minilm-onnx | minilm | minilm-int8 | e5 | hashing (default: config)"
    )
    fit = sub.add_parser("fit", help="fit the ranker on logged impressions; saves a candidate")
    fit.add_argument("--version")
    fit.add_argument("--encoder")
    fit.add_argument("--min-samples", type=int, default=200)
    eva = sub.add_parser("evaluate", help="report: candidate vs active vs baselines (md + png)")
    eva.add_argument("version")
    eva.add_argument("--out", type=Path)
    pub = sub.add_parser("publish", help="make a version active in every worker")
    pub.add_argument("version")
    pub.add_argument("--force", action="store_true", help="publish even if worse than active")
    sub.add_parser("rollback", help="re-activate the previously active version")
    sub.add_parser("list", help="list model versions")
    sub.add_parser(
        "bootstrap", help="embed the catalog and publish a first model if none is active"
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from backend import create_app
    from training import commands as cmd

    app = create_app({"RECOMMENDER_WARMUP": False})  # a CLI run serves no requests
    with app.app_context():
        try:
            if args.command == "import":
                for path in args.files:
                    print(f"{path}: {cmd.import_file(path, args.format, args.language)}")
            elif args.command == "embed":
                print(f"embedded {cmd.embed(args.encoder)} articles")
            elif args.command == "fit":
                res = cmd.fit(args.version, args.encoder, args.min_samples)
                kind = "fixed default weights (too little data)" if res.fallback else "learned"
                print(f"saved candidate {res.version} at {res.path} ({kind})")
                for key, value in res.metrics.items():
                    print(f"  {key}: {value:.4f}")
            elif args.command == "evaluate":
                md, png, results = cmd.evaluate(args.version, args.out)
                for r in results:
                    print(f"  {r.name:<28} ndcg@5 {r.metrics['ndcg@5']:.4f}")
                print(f"wrote {md} and {png}")
            elif args.command == "publish":
                print(cmd.publish(args.version, args.force))
            elif args.command == "rollback":
                print(cmd.rollback())
            elif args.command == "bootstrap":
                print(cmd.bootstrap())
            elif args.command == "list":
                for row in cmd.list_versions():
                    print("  ".join(f"{k}={v}" for k, v in row.items()))
        except RecommenderError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
