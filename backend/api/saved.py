"""My saved list and my queue of reminders to post (the side panel's Saved tab), and my training
cards (each once, in my language)."""

from __future__ import annotations

from flask import Blueprint

from backend.auth import Principal
from backend.openapi import ANY_ROLE, endpoint
from backend.schemas.me import QueueIn, QueueList, QueueOut, Removed, SavedIn, SavedList, SavedOut
from backend.schemas.program import TrainingCardOut, TrainingCardQuery
from backend.services import personal as svc

bp = Blueprint("saved", __name__)


@endpoint(bp, "/me/saved", roles=ANY_ROLE, response=SavedList, tags=["me"])
def my_saved(principal: Principal) -> SavedList:
    """The articles I saved, newest first."""
    return SavedList(items=svc.saved_list(principal.employee))


@endpoint(
    bp,
    "/me/saved",
    method="POST",
    roles=ANY_ROLE,
    body=SavedIn,
    response=SavedOut,
    status=201,
    tags=["me"],
    extra_responses={404: "No such approved article", 409: "The saved list is full"},
)
def save_article(principal: Principal, body: SavedIn) -> tuple[SavedOut, int]:
    """Save an article: 201 the first time, 200 when it was saved already."""
    out, created = svc.save(principal.employee, body.article_id)
    return out, 201 if created else 200


@endpoint(
    bp,
    "/me/saved/<int:article_id>",
    method="DELETE",
    roles=ANY_ROLE,
    response=Removed,
    tags=["me"],
    extra_responses={404: "Not in my saved list"},
)
def unsave_article(principal: Principal, article_id: int) -> Removed:
    """Take an article off my saved list."""
    svc.unsave(principal.employee, article_id)
    return Removed()


@endpoint(bp, "/me/queue", roles=ANY_ROLE, response=QueueList, tags=["me"])
def my_queue(principal: Principal) -> QueueList:
    """My reminders to post, soonest first (the extension turns them into notifications)."""
    return QueueList(items=svc.queue_list(principal.employee))


@endpoint(
    bp,
    "/me/queue",
    method="POST",
    roles=ANY_ROLE,
    body=QueueIn,
    response=QueueOut,
    status=201,
    tags=["me"],
    extra_responses={404: "No such approved article", 409: "The queue is full"},
)
def queue_article(principal: Principal, body: QueueIn) -> QueueOut:
    """Remind me to post an article at ``due_at`` (with a time zone). Posting stays manual."""
    return svc.enqueue(principal.employee, body)


@endpoint(
    bp,
    "/me/queue/<int:item_id>",
    method="DELETE",
    roles=ANY_ROLE,
    response=Removed,
    tags=["me"],
    extra_responses={404: "Not one of my reminders"},
)
def unqueue(principal: Principal, item_id: int) -> Removed:
    """Remove a reminder (done, or no longer wanted)."""
    svc.dequeue(principal.employee, item_id)
    return Removed()


@endpoint(
    bp, "/me/training-cards", roles=ANY_ROLE, query=TrainingCardQuery, tags=["me"],
    response=list[TrainingCardOut],
)  # fmt: skip
def my_training_cards(principal: Principal, query: TrainingCardQuery) -> list[TrainingCardOut]:
    """Each training card once, in my preferred language: ``?language=`` (the panel's UI
    language) when I read it, else my first language with a version of the card."""
    cards = svc.my_training_cards(principal.employee, query.language)
    return [TrainingCardOut.model_validate(c) for c in cards]
