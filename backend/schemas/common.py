"""Shared field types: bounded strings, http(s) URLs, ISO 639-1 languages, strict base models."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from backend.urls import check_url

ISO_639_1 = frozenset(
    """aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy
    da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy
    hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li
    ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa
    pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th
    ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu""".split()
)


def _check_language(value: str) -> str:
    code = value.strip().lower()
    if code not in ISO_639_1:
        raise ValueError(f"'{value}' is not an ISO 639-1 language code (e.g. 'en', 'da')")
    return code


def _check_url(value: str) -> str:
    """The one URL syntax check (``backend.urls.check_url``), shared with the redirect."""
    return check_url(value.strip())


Language = Annotated[str, AfterValidator(_check_language)]
HttpUrlStr = Annotated[str, StringConstraints(max_length=2048), AfterValidator(_check_url)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
MediumText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]


class Strict(BaseModel):
    """Request models reject unknown fields."""

    model_config = ConfigDict(extra="forbid", str_max_length=100_000)


class Out(BaseModel):
    """Response models are built from ORM objects."""

    model_config = ConfigDict(from_attributes=True)


class Page(Strict):
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=2**31 - 1)  # larger offsets overflow SQLite (a 500)


class DateRange(Strict):
    start: dt.datetime | None = None
    end: dt.datetime | None = None
