"""``python -m training import|embed|fit|evaluate|publish|rollback|list|bootstrap``.

The content team's CLI: one line per command over ``backend.services.model_lifecycle``, the
service the console calls too. Runs on the app's database and ``ARTIFACTS_DIR``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from tqdm import tqdm

from backend.services import model_lifecycle as lc
from recommender.errors import RecommenderError


@click.group(help=__doc__)
@click.pass_context
def cli(ctx: click.Context) -> None:
    from backend import create_app

    app = create_app({"RECOMMENDER_WARMUP": False})  # a CLI run serves no requests
    ctx.with_resource(app.app_context())


@cli.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl", "feed"]))
@click.option("--language", help="language for rows that do not say (ISO 639-1)")
def import_(files: tuple[Path, ...], fmt: str | None, language: str | None) -> None:
    """Import articles from CSV, JSON Lines or RSS/Atom files."""
    for path in files:
        _print_import(path, lc.import_file(path, fmt, language))


@cli.command()
@click.option(
    "--encoder",
    help="e5-onnx | minilm-onnx | minilm | minilm-int8 | e5 | hashing (default: config)",
)
def embed(encoder: str | None) -> None:
    """Embed new and changed approved articles (by content hash)."""
    with tqdm(total=lc.approved_count(), desc="embedding", unit="article") as bar:
        click.echo(f"embedded {lc.embed(encoder, progress=bar)} articles")


@cli.command()
@click.option("--version")
@click.option("--encoder")
@click.option("--min-samples", type=int, default=200, show_default=True)
def fit(version: str | None, encoder: str | None, min_samples: int) -> None:
    """Fit the ranker on logged impressions before the held-out window; saves a candidate."""
    _print_fit(lc.fit(version, encoder, min_samples))


@cli.command()
@click.argument("version")
@click.option("--out", type=click.Path(path_type=Path))
def evaluate(version: str, out: Path | None) -> None:
    """Candidate vs active model vs baselines on data neither trained on (report + plots)."""
    _print_evaluation(lc.evaluate(version, out), out or lc.store().path_for(version))


@cli.command()
@click.argument("version")
@click.option("--force", is_flag=True, help="publish even if the guard refuses it (audited)")
def publish(version: str, force: bool) -> None:
    """Make a version active in every worker (refused when worse beyond noise)."""
    click.echo(lc.publish(version, force))


@cli.command()
def rollback() -> None:
    """Re-activate the previously active version."""
    click.echo(lc.rollback())


@cli.command("list")
def list_() -> None:
    """List model versions."""
    click.echo("\n".join("  ".join(f"{k}={v}" for k, v in r.items()) for r in lc.list_versions()))


@cli.command()
def bootstrap() -> None:
    """Embed the catalog and publish a first model if none is active."""
    click.echo(lc.bootstrap())


def _print_import(path: Path, report: Any) -> None:
    for err in report.errors[:20]:
        click.echo(f"  row {err.row}: {err.field}: {err.message}")
    click.echo(f"{path}: {report.summary()}")


def _print_fit(res: lc.FitResult) -> None:
    kind = "fixed default weights (too little data)" if res.fallback else "learned"
    click.echo(f"saved candidate {res.version} at {res.path} ({kind})")
    click.echo(f"  trained on impressions {res.window['start']} .. {res.window['end']}")
    for key, value in res.metrics.items():
        click.echo(f"  {key}: {'—' if value is None else f'{value:.4f}'}")


def _print_evaluation(ev: Any, folder: Path) -> None:
    click.echo(ev.sentence)
    for m in ev.models:
        click.echo(f"  {m.name:<28} top 3 of acted-on {m.top3:.3f}  nDCG@5 {m.ndcg5:.3f}")
    click.echo(f"wrote {folder / ev.report_md} and {', '.join(ev.plots)}")


def main(argv: list[str] | None = None) -> int:
    try:
        cli.main(args=argv, prog_name="python -m training", standalone_mode=False)
    except RecommenderError as exc:
        click.echo(f"error: {exc}", err=True)
        return 1
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
