"""Herald's recommender: encoders, candidates, features, ranker, diversity, artifacts, metrics.

Pure library: no Flask and no database. ``backend.services.suggestions`` wires it to the app and
``training`` to the content team's command line.
"""

from __future__ import annotations

from recommender.artifacts import ArtifactStore, ModelArtifact
from recommender.encoders import (
    E5Encoder,
    Encoder,
    HashingEncoder,
    MiniLMEncoder,
    OnnxMiniLMEncoder,
    get_encoder,
)
from recommender.engine import Catalog, Request, Scored, recommend
from recommender.errors import (
    ArtifactError,
    EncoderUnavailableError,
    NotFittedError,
    RecommenderError,
)
from recommender.features import FEATURE_NAMES
from recommender.ranker import EngagementRanker

__all__ = [
    "FEATURE_NAMES",
    "ArtifactError",
    "ArtifactStore",
    "Catalog",
    "E5Encoder",
    "Encoder",
    "EncoderUnavailableError",
    "EngagementRanker",
    "HashingEncoder",
    "MiniLMEncoder",
    "ModelArtifact",
    "NotFittedError",
    "OnnxMiniLMEncoder",
    "RecommenderError",
    "Request",
    "Scored",
    "get_encoder",
    "recommend",
]
