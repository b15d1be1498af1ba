"""The recommender's own error types (never a bare ``Exception``)."""

from __future__ import annotations


class RecommenderError(Exception):
    """Base of every error the recommender raises on purpose."""


class NotFittedError(RecommenderError, ValueError):
    """A model was used before ``fit``."""


class ArtifactError(RecommenderError):
    """A model artifact is missing, incomplete, tampered with or of an unknown format."""


class EncoderUnavailableError(RecommenderError):
    """The configured encoder cannot be loaded (package or bundled weights missing)."""
