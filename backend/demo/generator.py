"""Build the demo company in the database: people, campaigns, articles and 90 days of history.

Deterministic: the same ``seed`` and ``now`` give the same rows (ids aside), because every random
choice comes from one ``random.Random(seed)`` and every time is an offset from ``now``.
Idempotent: a ``Setting`` row (``demo.company``) marks a loaded demo; loading again adds nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import random
import re
import unicodedata
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from flask import current_app
from sqlalchemy import func, insert, select

from backend.extensions import db
from backend.models import (
    Article,
    ArticleCaption,
    Campaign,
    CampaignGoal,
    Click,
    Conversion,
    Employee,
    EngagementEvent,
    Guideline,
    GuidelineAck,
    Mention,
    ProfileSnapshot,
    Setting,
    Share,
    ShareEngagement,
    SuggestionImpression,
    TrackedLink,
    TrainingCard,
    utcnow,
)
from backend.services import audit
from backend.services.articles import canonicalise_url
from recommender.features import FEATURE_NAMES
from recommender.ranker import EngagementRanker

from . import program, signals
from .people import ADMIN_EMAIL, COMPANY, ROSTER, WEBSITE, Person
from .topics import (
    CAPTIONS_DA,
    CAPTIONS_EN,
    CLOSINGS_DA,
    CLOSINGS_EN,
    FORMATS,
    NEWS,
    TOPICS,
    Topic,
)

MARKER_KEY = "demo.company"
DEFAULT_SEED = 7
HISTORY_DAYS = 90
MODEL_VERSION = "demo-heuristic-v1"
CODE_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
PAGE_TYPES = (("feed", 50), ("post", 20), ("profile", 10), ("company", 5), ("search", 5),
              ("article", 5), ("other", 5))  # fmt: skip
CONTEXT_PAGES = ("post", "article", "search", "company")  # the extension sends page text
DA_MONTHS = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
             "september", "oktober", "november", "december")  # fmt: skip


@dataclass
class DemoResult:
    created: bool
    seed: int
    now: dt.datetime
    admin_email: str = ADMIN_EMAIL
    counts: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        if not self.created:
            head = f"demo company {COMPANY} is already loaded; nothing added"
        else:
            parts = ", ".join(f"{v} {k}" for k, v in self.counts.items())
            head = f"loaded demo company {COMPANY} (seed {self.seed}): {parts}"
        return (
            f"{head}\n"
            f"demo admin: {self.admin_email}; get an admin API token with\n"
            f"  flask --app wsgi create-admin {self.admin_email}"
        )


def load_demo(seed: int = DEFAULT_SEED, now: dt.datetime | None = None) -> str:
    """Load the demo company (inside an app context) and return a printable summary."""
    return generate(seed=seed, now=now).summary()


def is_loaded() -> bool:
    if db.session.get(Setting, MARKER_KEY) is not None:
        return True
    emails = [p.email for p in ROSTER]
    return bool(db.session.scalar(select(func.count()).where(Employee.email.in_(emails))))


def anchor(now: dt.datetime | None) -> dt.datetime:
    """The time the history ends: ``now`` (naive means UTC), or the current hour."""
    if now is None:
        return utcnow().replace(minute=0, second=0, microsecond=0)
    return now.replace(tzinfo=dt.UTC) if now.tzinfo is None else now.astimezone(dt.UTC)


def generate(seed: int = DEFAULT_SEED, now: dt.datetime | None = None) -> DemoResult:
    end = anchor(now)
    if is_loaded():
        return DemoResult(created=False, seed=seed, now=end)
    builder = _Builder(random.Random(seed), end, str(current_app.config.get("CLICK_SALT", "")))
    counts = builder.build()
    db.session.add(
        Setting(key=MARKER_KEY, value={"seed": seed, "now": end.isoformat(), "counts": counts})
    )
    audit.record(None, "demo.load", "demo", "", seed=seed, now=end.isoformat())
    db.session.commit()
    return DemoResult(created=True, seed=seed, now=end, counts=counts)


def slugify(text: str) -> str:
    text = text.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:80].rstrip("-")


@dataclass
class _ArticleSpec:
    article: Article
    topic_key: str
    name: dict[str, str]
    departments: tuple[str, ...]
    kind: str
    campaign_priority: int


def _topic_key(spec: _ArticleSpec) -> str:
    """Translations share a topic: news keys end in ``-da`` for the Danish version."""
    return spec.topic_key.removesuffix("-da")


class _Builder:
    def __init__(self, rng: random.Random, now: dt.datetime, salt: str) -> None:
        self.rng = rng
        self.now = now
        self.salt = salt
        self.campaigns: dict[str, Campaign] = {}
        self.people: list[tuple[Person, Employee]] = []
        self.articles: list[_ArticleSpec] = []
        self.counts: dict[str, int] = {}

    # --- helpers -------------------------------------------------------------------------

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def code(self, used: set[str]) -> str:
        while True:
            value = "".join(self.rng.choice(CODE_ALPHABET) for _ in range(8))
            if value not in used:
                used.add(value)
                return value

    def days_ago(self, days: float) -> dt.datetime:
        return self.now - dt.timedelta(days=days)

    def bulk(self, model: Any, rows: list[dict[str, Any]]) -> None:
        if rows:
            db.session.execute(insert(model), rows)
        self.counts[model.__tablename__] = self.counts.get(model.__tablename__, 0) + len(rows)

    # --- build ---------------------------------------------------------------------------

    def build(self) -> dict[str, int]:
        self.make_campaigns()
        self.make_people()
        self.make_articles()
        db.session.flush()
        self.make_history()
        self.make_snapshots()
        self.make_program()
        return {
            "employees": len(self.people),
            "articles": len(self.articles),
            "campaigns": len(self.campaigns),
            "impressions": self.counts.get("suggestion_impressions", 0),
            "events": self.counts.get("engagement_events", 0),
            "shares": self.counts.get("shares", 0),
            "clicks": self.counts.get("clicks", 0),
            "conversions": self.counts.get("conversions", 0),
            "snapshots": self.counts.get("profile_snapshots", 0),
        }

    def make_campaigns(self) -> None:
        start = self.days_ago(75).replace(hour=0)
        stop = self.now + dt.timedelta(days=15)
        for slug, name, description, priority, goals in program.CAMPAIGNS:
            campaign = db.session.scalar(select(Campaign).where(Campaign.slug == slug))
            if campaign is None:
                campaign = Campaign(
                    slug=slug,
                    name=name,
                    description=description,
                    priority=priority,
                    starts_at=start,
                    ends_at=stop,
                    status="active",
                    created_at=start - dt.timedelta(days=3),
                )
                db.session.add(campaign)
                rows = [
                    CampaignGoal(
                        label=label,
                        metric=metric,
                        target=target,
                        team=team,
                        period_start=start,
                        period_end=stop,
                    )
                    for label, metric, target, team in goals
                ]
                campaign.goals.extend(rows)
                db.session.flush()
                parent = rows[0]
                for goal in rows[1:]:
                    if goal.team and goal.metric == parent.metric:
                        goal.parent_id = parent.id
            self.campaigns[slug] = campaign

    def make_people(self) -> None:
        topic_tags = {t.key: t.tags for t in TOPICS}
        for person in ROSTER:
            rng = self.rng
            network = int(person.base_network * rng.uniform(0.9, 1.1))
            interests: list[str] = []
            for topic in TOPICS:
                if person.department in topic.departments[:2]:
                    interests.extend(topic_tags[topic.key][1:])
            if person.department == "HR":
                interests += ["careers", "culture", "hiring"]
            interests = list(dict.fromkeys(interests))
            interests = sorted(rng.sample(interests, k=min(len(interests), 5)))
            staff = person.access_role != "employee"
            employee = Employee(
                email=person.email,
                name=person.name,
                job_title=person.job_title,
                role_text=person.role_text,
                department=person.department,
                team=person.team,
                location=person.location,
                languages=list(person.languages),
                interests=interests,
                network_size=network,
                consents={
                    "profile_snapshots": staff or rng.random() < 0.65,
                    "leaderboard": rng.random() < 0.93,
                    "engagement_tracking": True,
                    "digest_email": rng.random() < 0.5,
                },
                access_role=person.access_role,
                leaderboard_opt_out=rng.random() < 0.05,
                public_ref=f"{rng.getrandbits(64):016x}",
                created_at=self.days_ago(person.joined_days_ago),
                updated_at=self.days_ago(min(person.joined_days_ago, 10)),
            )
            db.session.add(employee)
            self.people.append((person, employee))

    def _article(
        self,
        *,
        language: str,
        section: str,
        title: str,
        summary: str,
        body: str,
        tags: tuple[str, ...],
        campaign: str | None,
        image_key: str,
        published: dt.datetime,
        status: str,
        expires: dt.datetime | None,
        name: str,
    ) -> Article:
        url = canonicalise_url(f"{WEBSITE}/{language}/{section}/{slugify(title)}")
        created = published - dt.timedelta(days=self.rng.uniform(1, 6))
        article = Article(
            canonical_url=url,
            title=title,
            summary=summary,
            body=body,
            language=language,
            tags=list(tags),
            image_url=f"{WEBSITE}/media/{image_key}.jpg",
            published_at=None if status == "draft" else published,
            expires_at=expires,
            status=status,
            campaign_id=self.campaigns[campaign].id if campaign else None,
            approved_at=published if status != "draft" else None,
            created_at=created,
            updated_at=published if status != "draft" else created,
        )
        if status == "approved" and self.rng.random() < 0.6:
            bank = CAPTIONS_EN if language == "en" else CAPTIONS_DA
            for text in self.rng.sample(bank, k=self.rng.randint(1, 3)):
                caption = text.format(name=name, title=title)
                article.captions.append(
                    ArticleCaption(language=language, text=caption, created_at=published)
                )
        return article

    def _status(self, published: dt.datetime) -> str:
        roll = self.rng.random()
        if published > self.days_ago(14) and roll < 0.25:
            return "draft"
        if published < self.days_ago(100) and roll < 0.2:
            return "archived"
        return "draft" if roll > 0.96 else "approved"

    def make_articles(self) -> None:
        rng = self.rng
        specs: list[dict[str, Any]] = []
        for topic in TOPICS:
            for fmt in (*FORMATS, None):
                for lang in ("en", "da"):
                    if lang == "da" and rng.random() > 0.7:
                        continue
                    specs.append({"topic": topic, "fmt": fmt, "lang": lang})
        rng.shuffle(specs)
        for spec in specs:
            self._topic_article(spec["topic"], spec["fmt"], spec["lang"])
        for item in NEWS:
            published = self.days_ago(rng.uniform(2, 140))
            campaign = self.campaigns[item.campaign] if item.campaign else None
            status = "approved" if rng.random() < 0.9 else "draft"
            article = self._article(
                language=item.language,
                section="news" if item.language == "en" else "nyheder",
                title=item.title,
                summary=item.summary,
                body=item.body,
                tags=item.tags,
                campaign=item.campaign,
                image_key=item.key,
                published=published,
                status=status,
                expires=None,
                name="Nordvind",
            )
            db.session.add(article)
            self.articles.append(
                _ArticleSpec(
                    article, item.key, {}, item.departments, "news",
                    campaign.priority if campaign else 0,
                )
            )  # fmt: skip

    def _topic_article(self, topic: Topic, fmt: tuple[str, ...] | None, lang: str) -> None:
        rng = self.rng
        phrases = topic.en if lang == "en" else topic.da
        values = {
            **phrases,
            "n": rng.choice((5, 6, 7, 8, 10)),
            "n2": rng.choice((12, 25, 40, 60)),
            "year": self.now.year,
        }
        published = self.days_ago(rng.uniform(1, 150))
        expires: dt.datetime | None = None
        paragraphs = list(topic.paragraphs_en if lang == "en" else topic.paragraphs_da)
        chosen = sorted(rng.sample(range(len(paragraphs)), k=3))
        closing = rng.choice(CLOSINGS_EN if lang == "en" else CLOSINGS_DA)
        if fmt is None:
            kind = "case"
            title, summary = topic.case_en if lang == "en" else topic.case_da
            opening = ""
            section = "cases" if lang == "en" else "cases"
        else:
            kind = fmt[0]
            title_t, summary_t = (fmt[1], fmt[2]) if lang == "en" else (fmt[3], fmt[4])
            title = title_t.format(**values)
            title = title[0].upper() + title[1:]
            summary = summary_t.format(**values)
            opening = fmt[5] if lang == "en" else fmt[6]
            section = "insights" if lang == "en" else "indsigt"
            if kind == "webinar":
                section = "events" if lang == "en" else "arrangementer"
                event = self.now + dt.timedelta(days=rng.uniform(-60, 30))
                event = event.replace(hour=8, minute=0, second=0, microsecond=0)
                published = min(event - dt.timedelta(days=21), self.days_ago(1))
                expires = event + dt.timedelta(hours=1)
                if lang == "en":
                    when = f"The webinar runs on {event:%d %B %Y} at 9:00 CET."
                else:
                    when = f"Webinaret holdes {event.day}. {DA_MONTHS[event.month - 1]} kl. 9.00."
                closing = f"{when} {closing}"
        if kind != "webinar" and topic.campaign and rng.random() < 0.3:
            expires = self.now + dt.timedelta(days=rng.uniform(3, 45))
        body = "\n\n".join(p for p in (opening, *(paragraphs[i] for i in chosen), closing) if p)
        campaign = topic.campaign
        if kind == "webinar" and topic.key in ("cloud-migration", "platform-engineering"):
            campaign = None
        article = self._article(
            language=lang,
            section=section,
            title=title,
            summary=summary,
            body=body,
            tags=topic.tags + ((kind,) if kind in ("case", "webinar", "guide") else ()),
            campaign=campaign,
            image_key=f"{topic.key}-{kind}",
            published=published,
            status=self._status(published),
            expires=expires,
            name=phrases["name"],
        )
        db.session.add(article)
        priority = self.campaigns[campaign].priority if campaign else 0
        self.articles.append(
            _ArticleSpec(article, topic.key, phrases, topic.departments, kind, priority)
        )

    # --- history -------------------------------------------------------------------------

    def affinity(self, person: Person, spec: _ArticleSpec) -> float:
        if person.department in spec.departments:
            return (1.0, 0.75, 0.55)[min(spec.departments.index(person.department), 2)]
        return 0.15

    def make_history(self) -> None:
        """90 days of suggestion requests, impressions and what people did with them.

        Each request is scored the way the API scores one: the eight serving features
        (``signals.request_features``), ranked by the fixed default weights plus exploration
        noise. Behaviour depends on what the features measure: people open and share articles
        that match their department's topics and the page they are reading, that colleagues
        engaged with, that are fresh or campaigned, and less so what teammates just shared.
        """
        rng = self.rng
        nrng = np.random.default_rng(rng.getrandbits(64))
        space = signals.Space(nrng)
        policy = EngagementRanker.with_defaults()
        impressions: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        share_plans: list[tuple[Person, Employee, _ArticleSpec, dt.datetime, str, str]] = []
        page_types = [p for p, _ in PAGE_TYPES]
        page_weights = [w for _, w in PAGE_TYPES]
        specs = [
            s for s in self.articles if s.article.status == "approved" and s.article.published_at
        ]
        n = len(specs)
        emb = np.stack(
            [
                space.vector({_topic_key(s): 1.0}, s.article.language, signals.ARTICLE_LOADINGS)
                for s in specs
            ]
        )
        published = np.array([s.article.published_at.timestamp() for s in specs])  # type: ignore[union-attr]
        expires = np.array(
            [s.article.expires_at.timestamp() if s.article.expires_at else np.inf for s in specs]
        )
        languages = np.array([s.article.language for s in specs])
        campaigns = {c.id: c for c in self.campaigns.values()}
        camp_start = np.full(n, np.inf)
        camp_end = np.full(n, np.inf)
        camp_prio = np.zeros(n, dtype=np.float32)
        for i, s in enumerate(specs):
            c = campaigns.get(s.article.campaign_id or 0)
            if c is not None and c.status == "active":
                camp_start[i] = c.starts_at.timestamp() if c.starts_at else -np.inf
                camp_end[i] = c.ends_at.timestamp() if c.ends_at else np.inf
                camp_prio[i] = min(max(float(c.priority), 0.0), 10.0) / 10.0
        topic_keys = sorted({_topic_key(s) for s in specs})
        roles, affinity = [], np.zeros((len(self.people), n))
        for p, (person, _employee) in enumerate(self.people):
            affinity[p] = [self.affinity(person, s) for s in specs]
            liked = {_topic_key(s): 1.0 for s in specs if person.department in s.departments[:2]}
            roles.append(space.vector(liked or {"__none__": 1.0}, "en", signals.ROLE_LOADINGS))
        log = signals.Signals(
            departments=[e.department for _, e in self.people],
            job_titles=[e.job_title for _, e in self.people],
            teams=[e.team for _, e in self.people],
        )
        for day in range(HISTORY_DAYS - 1, -1, -1):
            date = self.days_ago(day).replace(hour=0, minute=0, second=0, microsecond=0)
            weekend = date.weekday() >= 5
            for p, (person, employee) in enumerate(self.people):
                if date < employee.created_at:
                    continue
                chance = (0.06 + 0.5 * person.activity) * (0.15 if weekend else 1.0)
                if rng.random() >= chance:
                    continue
                t = date + dt.timedelta(hours=rng.uniform(6, 17))
                if t >= self.now:
                    continue
                ts = t.timestamp()
                exclude, history = log.history(p, ts)
                ok = (published <= ts) & (expires > ts) & np.isin(languages, list(person.languages))
                if exclude:
                    ok[list(exclude)] = False
                rows = np.flatnonzero(ok)
                if rows.size == 0:
                    continue
                request_id = self.uuid()
                page_type = rng.choices(page_types, page_weights)[0]
                # The page read: a topic (mostly one the department cares about), in a language
                # the employee reads; feeds, profiles and "other" pages send no context.
                ctx_topic, ctx_lang, ctx_vec = None, "en", None
                if page_type in CONTEXT_PAGES:
                    pool = [k for k in topic_keys if any(
                        _topic_key(s) == k and person.department in s.departments[:2]
                        for s in specs
                    )] if rng.random() < 0.6 else topic_keys  # fmt: skip
                    ctx_topic = rng.choice(pool or topic_keys)
                    ctx_lang = "da" if "da" in person.languages and rng.random() < 0.4 else "en"
                    ctx_vec = space.vector({ctx_topic: 1.0}, ctx_lang, signals.CONTEXT_LOADINGS)
                live = (camp_start <= ts) & (camp_end > ts)
                X = signals.request_features(
                    signals=log,
                    person=p,
                    ts=ts,
                    rows=rows,
                    embeddings=emb,
                    published_ts=published,
                    campaign_priority=np.where(live, camp_prio, 0.0).astype(np.float32),
                    role_vec=roles[p],
                    context_vec=ctx_vec,
                    history_weights=history,
                )
                score = policy.decision_function(X) + nrng.gumbel(0.0, 0.6, rows.size)
                shown = np.argsort(-score, kind="stable")[: rng.choice((3, 4, 5))]
                for rank, k in enumerate(shown.tolist(), start=1):
                    i = int(rows[k])
                    spec = specs[i]
                    article_id = spec.article.id
                    feats = X[k]
                    impressions.append(
                        {
                            "request_id": request_id,
                            "employee_id": employee.id,
                            "article_id": article_id,
                            "rank": rank,
                            "score": round(float(score[k]), 4),
                            "model_version": MODEL_VERSION,
                            "page_type": page_type,
                            "features": {
                                name: round(float(v), 6)
                                for name, v in zip(FEATURE_NAMES, feats, strict=True)
                            },
                            "created_at": t,
                        }
                    )
                    base = {"employee_id": employee.id, "article_id": article_id,
                            "request_id": request_id}  # fmt: skip
                    events.append({**base, "type": "shown", "created_at": t})
                    match = 0.0
                    if ctx_topic is not None and _topic_key(spec) == ctx_topic:
                        match = 1.0 if spec.article.language == ctx_lang else 0.6
                    z = (
                        -3.4
                        + 2.2 * affinity[p, i]
                        + 2.5 * match
                        + 1.2 * feats[2]  # colleagues in the role engaged
                        + 0.6 * feats[4]  # trending
                        + 0.8 * feats[5]  # fresh
                        + 0.4 * feats[6]  # campaigned
                        - 1.0 * feats[7]  # teammates just shared it
                    )
                    p_open = min(0.95, (0.4 + 0.8 * person.activity) / (1 + math.exp(-z)))
                    opened = rng.random() < p_open / rank**0.3
                    if opened:
                        t_open = t + dt.timedelta(minutes=rng.uniform(0.2, 4))
                        events.append({**base, "type": "opened", "created_at": t_open})
                        log.add(signals.Event(t_open.timestamp(), p, i, "opened"))
                        if rng.random() < 0.2 + 0.55 * person.activity:
                            t_share = t_open + dt.timedelta(minutes=rng.uniform(1, 12))
                            if t_share < self.now:
                                events.append({**base, "type": "shared", "created_at": t_share})
                                log.add(signals.Event(t_share.timestamp(), p, i, "shared"))
                                net = rng.choices(("linkedin", "x", "facebook"), (88, 8, 4))[0]
                                share_plans.append(
                                    (person, employee, spec, t_share, net, request_id)
                                )
                        elif rng.random() < 0.1:
                            events.append(
                                {**base, "type": "saved", "created_at": t_open}
                            )  # fmt: skip
                            log.add(signals.Event(t_open.timestamp(), p, i, "saved"))
                    elif rng.random() < 0.05:
                        events.append({**base, "type": "dismissed", "created_at": t})
                        log.add(signals.Event(ts, p, i, "dismissed"))
        self.bulk(SuggestionImpression, impressions)
        self.bulk(EngagementEvent, events)
        self.make_shares(share_plans)

    def network_at(self, employee: Employee, when: dt.datetime) -> int:
        days_back = (self.now - when).total_seconds() / 86400
        return max(0, int(employee.network_size * (1 - 0.12 * days_back / HISTORY_DAYS)))

    def make_shares(
        self, plans: list[tuple[Person, Employee, _ArticleSpec, dt.datetime, str, str]]
    ) -> None:
        rng = self.rng
        used_codes: set[str] = set(db.session.scalars(select(TrackedLink.code)).all())
        links: list[TrackedLink] = []
        for _person, employee, spec, when, network, _rid in plans:
            link = TrackedLink(
                code=self.code(used_codes),
                employee_id=employee.id,
                article_id=spec.article.id,
                network=network,
                created_at=when,
            )
            links.append(link)
        db.session.add_all(links)
        db.session.flush()
        shares: list[Share] = []
        for (_person, employee, spec, when, network, rid), link in zip(plans, links, strict=True):
            article = spec.article
            own = [c.text for c in article.captions]
            if own and rng.random() < 0.6:
                caption = rng.choice(own)
            else:
                bank = CAPTIONS_EN if article.language == "en" else CAPTIONS_DA
                caption = rng.choice(bank).format(
                    name=spec.name.get("name", "Nordvind"), title=article.title
                )
            shares.append(
                Share(
                    employee_id=employee.id,
                    article_id=article.id,
                    link_id=link.id,
                    network=network,
                    caption=caption,
                    network_size_at_share=self.network_at(employee, when),
                    request_id=rid,
                    created_at=when,
                    # Demo shares stand for posts that were made (issue #15: only confirmed
                    # shares count); the extension saw the post.
                    state="confirmed",
                    confirmed_at=when,
                    confirmed_by="post",
                )
            )
        db.session.add_all(shares)
        db.session.flush()
        self.counts["shares"] = len(shares)
        clicks: list[dict[str, Any]] = []
        engagement: list[dict[str, Any]] = []
        conversions: list[dict[str, Any]] = []
        crm = 1000
        for share, (_p, employee, spec, when, network, _rid) in zip(shares, plans, strict=True):
            quality = rng.uniform(0.4, 1.6) * (1.3 if spec.kind in ("case", "news") else 1.0)
            expected = share.network_size_at_share * 0.006 * quality
            n_clicks = max(0, int(rng.gauss(expected, math.sqrt(expected + 1)) + 0.5))
            campaign_id = share_campaign = spec.article.campaign_id
            # LinkedIn fetches a preview when the post is written: a bot click at share time.
            if network == "linkedin":
                clicks.append(self._click(share.link_id, when, "bot", "", True, "preview"))
            visitors = [rng.getrandbits(32) for _ in range(max(1, int(n_clicks * 0.85)))]
            for _ in range(n_clicks):
                t = when + dt.timedelta(hours=min(rng.expovariate(1 / 20), 24 * 20))
                if t >= self.now:
                    continue
                if rng.random() < 0.07:
                    clicks.append(self._click(share.link_id, t, "bot", "", True, "crawler"))
                    continue
                ua = "mobile" if rng.random() < 0.45 else "desktop"
                ref = {
                    "linkedin": rng.choice(("www.linkedin.com", "www.linkedin.com", "lnkd.in", "")),
                    "x": rng.choice(("t.co", "")),
                    "facebook": rng.choice(("l.facebook.com", "m.facebook.com")),
                }[network]
                clicks.append(
                    self._click(share.link_id, t, ua, ref, False, str(rng.choice(visitors)))
                )
                lead_p = 0.012 * (2.0 if spec.topic_key in ("nis2", "ransomware") else 1.0)
                if spec.kind == "case":
                    lead_p *= 1.5
                kind = None
                if share_campaign == self.campaigns["join-nordvind"].id and rng.random() < 0.04:
                    kind, value = "signup", 0.0
                elif rng.random() < lead_p:
                    kind, value = "lead", 0.0
                if kind is None:
                    continue
                crm += 1
                occurred = t + dt.timedelta(minutes=rng.uniform(2, 90))
                if occurred >= self.now:
                    continue
                row = {
                    "link_id": share.link_id,
                    "employee_id": employee.id,
                    "article_id": spec.article.id,
                    "campaign_id": campaign_id,
                    "type": kind,
                    "value": value,
                    "currency": "DKK",
                    "external_id": f"demo-crm-{crm}",
                    "occurred_at": occurred,
                    "created_at": occurred,
                }
                conversions.append(row)
                if kind == "lead" and rng.random() < 0.15:
                    sold = occurred + dt.timedelta(days=rng.uniform(7, 40))
                    if sold < self.now:
                        conversions.append(
                            {
                                **row,
                                "type": "sale",
                                "value": float(rng.randrange(40_000, 450_000, 5_000)),
                                "external_id": f"demo-crm-{crm}-won",
                                "occurred_at": sold,
                                "created_at": sold,
                            }
                        )
            reactions = comments = reposts = 0
            for offset in (1, 3, 7):
                seen = when + dt.timedelta(days=offset, hours=rng.uniform(0, 6))
                if seen >= self.now:
                    break
                reactions += int(n_clicks * rng.uniform(0.5, 1.5) / offset + rng.randint(0, 4))
                comments += int(reactions * rng.uniform(0.05, 0.2) / offset)
                reposts += int(rng.random() < 0.3)
                engagement.append(
                    {
                        "share_id": share.id,
                        "reactions": reactions,
                        "comments": comments,
                        "reposts": reposts,
                        "observed_at": seen,
                    }
                )
        self.bulk(Click, clicks)
        self.bulk(ShareEngagement, engagement)
        self.bulk(Conversion, conversions)

    def _click(
        self, link_id: int, when: dt.datetime, ua: str, referrer: str, bot: bool, visitor: str
    ) -> dict[str, Any]:
        raw = "\x1f".join((self.salt, when.date().isoformat(), "demo", visitor))
        return {
            "link_id": link_id,
            "created_at": when,
            "referrer_host": referrer,
            "ua_class": ua,
            "is_bot": bot,
            "visitor_hash": hashlib.sha256(raw.encode("utf-8")).hexdigest(),
            "visitor_id": hashlib.sha256(
                "\x1f".join((self.salt, "visitor", "demo", visitor)).encode("utf-8")
            ).hexdigest(),
        }

    def make_snapshots(self) -> None:
        rng = self.rng
        shares_by_employee: dict[int, int] = defaultdict(int)
        for employee_id in db.session.scalars(select(Share.employee_id)):
            shares_by_employee[employee_id] += 1
        rows: list[dict[str, Any]] = []
        for _person, employee in self.people:
            if not employee.consents.get("profile_snapshots"):
                continue
            views = rng.random() < 0.5
            boost = 1 + 0.004 * shares_by_employee[employee.id]
            for week in range(HISTORY_DAYS // 7, -1, -1):
                when = self.days_ago(week * 7 + rng.uniform(0, 1))
                if when < employee.created_at:
                    continue
                connections = int(self.network_at(employee, when) * boost ** (1 - week / 13))
                rows.append(
                    {
                        "employee_id": employee.id,
                        "connections": connections,
                        "followers": int(connections * rng.uniform(1.02, 1.08)),
                        "profile_views": rng.randint(15, 40 + connections // 20) if views else None,
                        "taken_at": when,
                    }
                )
        self.bulk(ProfileSnapshot, rows)

    def make_program(self) -> None:
        rng = self.rng
        by_email = {e.email: e for _, e in self.people}
        admin = by_email[ADMIN_EMAIL]
        guideline_rows: dict[tuple[int, str], Guideline] = {}
        for version, lang, title, body in program.GUIDELINES:
            existing = db.session.scalar(
                select(Guideline).where(Guideline.version == version, Guideline.language == lang)
            )
            row = existing or Guideline(
                version=version,
                language=lang,
                title=title,
                body=body,
                created_at=self.days_ago(200 if version == 1 else 30),
            )
            db.session.add(row)
            guideline_rows[(version, lang)] = row
        db.session.flush()
        acks = []
        for person, employee in self.people:
            lang = "da" if "da" in person.languages else "en"
            for version, share in ((1, 0.92), (2, 0.55)):
                guideline = guideline_rows[(version, lang)]
                if rng.random() >= share:
                    continue
                when = max(guideline.created_at, employee.created_at) + dt.timedelta(
                    days=rng.uniform(0.1, 12)
                )
                if when < self.now:
                    acks.append(
                        {"employee_id": employee.id, "guideline_id": guideline.id,
                         "acknowledged_at": when}
                    )  # fmt: skip
        self.bulk(GuidelineAck, acks)
        if db.session.scalar(select(func.count()).select_from(TrainingCard)) == 0:
            for position, (lang, title, body) in enumerate(program.TRAINING_CARDS):
                db.session.add(
                    TrainingCard(
                        language=lang,
                        title=title,
                        body=body,
                        position=position % 6,
                        created_at=self.days_ago(120),
                    )
                )
        flaggers = [e for p, e in self.people if p.department in ("Sales", "Marketing", "HR")]
        for i, (url, snippet) in enumerate(program.MENTIONS):
            created = self.days_ago(rng.uniform(1, 80))
            resolved = i < 2
            db.session.add(
                Mention(
                    employee_id=rng.choice(flaggers).id,
                    url=url,
                    snippet=snippet,
                    status="resolved" if resolved else "open",
                    note="Thanked them in the comments." if resolved else "",
                    resolved_by_id=admin.id if resolved else None,
                    resolved_at=created + dt.timedelta(hours=5) if resolved else None,
                    created_at=created,
                )
            )
        self.counts["mentions"] = len(program.MENTIONS)
