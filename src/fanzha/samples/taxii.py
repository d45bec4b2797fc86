"""TAXII 2.1 over the sample library: one read-only collection of STIX 2.1 objects per identifier kind."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, ClassVar, NamedTuple

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session, sessionmaker

from fanzha.core.clock import as_utc
from fanzha.core.errors import FanzhaError, NotFound, ValidationFailed
from fanzha.core.paging import advance
from fanzha.db.engine import reading
from fanzha.identifiers import IdentifierKind
from fanzha.identity.domain import Permission, Principal
from fanzha.samples import stix
from fanzha.samples.tables import Sample
from fanzha.web.deps import authorize, platform_of

TAXII_MEDIA_TYPE = "application/taxii+json;version=2.1"
API_ROOT = "fanzha"
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
_BATCH = 500
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_VERSION_KEYWORDS = frozenset({"first", "last", "all"})
_CURSOR = re.compile(r"^([01])\.(\d{1,20})\.(\d{1,20})\.(\d{1,3})$")


class TaxiiJSON(JSONResponse):
    """A TAXII 2.1 response body."""

    media_type = TAXII_MEDIA_TYPE


class NotAcceptable(FanzhaError):
    """The client accepts no media type this server speaks."""

    code = "not_acceptable"
    status = 406
    message_zh = "仅支持 application/taxii+json;version=2.1"
    message_en = "Only application/taxii+json;version=2.1 is served"


def taxii_error(error: FanzhaError, status: int | None = None) -> Response:
    """A Fanzha error as a TAXII 2.1 error message (§3.6.1), its Chinese text in `description`."""
    status = status or error.status
    body: dict[str, Any] = {
        "title": error.message_en,
        "description": error.message_zh,
        "error_code": error.code,
        "http_status": str(status),
    }
    if error.field:
        body["details"] = {"field": error.field}
    headers = {"WWW-Authenticate": 'Bearer realm="fanzha-taxii"'} if status == 401 else None
    return TaxiiJSON(body, status_code=status, headers=headers)


class TaxiiRoute(APIRoute):
    """Answers every refusal of a TAXII route, authentication included, as a TAXII error message."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Wrap FastAPI's handler: the app-wide handlers answer in Fanzha's own error format."""
        handler = super().get_route_handler()

        async def taxii_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except ValidationFailed as error:
                return taxii_error(error, 400)  # TAXII answers bad filters with 400, not 422
            except FanzhaError as error:
                return taxii_error(error)
            except RequestValidationError as error:
                first = error.errors()[0] if error.errors() else {}
                name = str((first.get("loc") or ("query",))[-1])
                problem = str(first.get("msg", ""))
                return taxii_error(
                    ValidationFailed(
                        f"参数「{name}」不符合要求：{problem}", f"Bad {name}: {problem}", field=name
                    ),
                    400,
                )

        return taxii_handler


router = APIRouter(prefix="/taxii2", tags=["taxii"], route_class=TaxiiRoute, default_response_class=TaxiiJSON)
# TAXII clients send the API key as a bearer token (`Authorization: Bearer fz_…`), not HTTP Basic.
Reader = Annotated[Principal, Depends(authorize(Permission.SAMPLE_READ))]


def check_accept(request: Request) -> None:
    """Refuse (406) clients that accept neither TAXII 2.1 JSON nor anything at all."""
    accept = request.headers.get("accept", "")
    if not accept.strip():
        return
    for media_range in accept.split(","):
        name, *parameters = (part.strip() for part in media_range.split(";"))
        name = name.lower()
        if name in ("*/*", "application/*"):
            return
        if name == "application/taxii+json":
            pairs = (p.split("=", 1) for p in parameters if "=" in p)
            version = {k.strip().lower(): v.strip().strip('"') for k, v in pairs}.get("version")
            if version in (None, "2.1"):
                return
    raise NotAcceptable(field="Accept")


# Collections ------------------------------------------------------------------------------------


def collection_id(kind: IdentifierKind) -> str:
    """The fixed id of a kind's collection."""
    return str(uuid.uuid5(stix.FANZHA_NAMESPACE, f"taxii-collection:{kind.value}"))


def collection_of(key: str) -> IdentifierKind:
    """The kind behind a collection id; 404 otherwise."""
    for kind in IdentifierKind:
        if key == collection_id(kind):
            return kind
    raise NotFound("没有该集合", "No such collection", field="collection_id")


def canonical(request: Request, collection_key: str) -> IdentifierKind | Response:
    """The kind of a collection served under its id; under its alias, a redirect to the id's URL.

    TAXII clients (taxii2-client, stix2's TAXIICollectionSource) refuse a collection whose id is not
    in its URL, so a collection is only ever served under its id.
    """
    for kind in IdentifierKind:
        if collection_key == kind.value:
            alias, key = f"/collections/{kind.value}/", f"/collections/{collection_id(kind)}/"
            path = request.url.path.replace(alias, key, 1)
            return RedirectResponse(str(request.url.replace(path=path)), status_code=308)
    return collection_of(collection_key)


def collection_resource(kind: IdentifierKind) -> dict[str, Any]:
    """TAXII 2.1 §5.2.1: a collection resource."""
    return {
        "id": collection_id(kind),
        "title": f"涉诈{kind.label_zh} / Fraud samples: {kind.label_en}",
        "description": (
            f"湖南省反诈平台的涉诈{kind.label_zh}样本（生效、已撤销、已过期）。"
            f" Fraud samples of kind {kind.value} (active, revoked, expired) as STIX 2.1 indicators"
            " and observables."
        ),
        "alias": kind.value,
        "can_read": True,
        "can_write": False,  # samples are published through the sample API, where the police confirm
        "media_types": [stix.STIX_MEDIA_TYPE],
    }


# Reading a collection ---------------------------------------------------------------------------


class Position(NamedTuple):
    """Where an object sits in a collection: the fixed objects first, then samples by change time."""

    phase: int  # 0: identity, marking and extension definitions; 1: samples
    micros: int  # the sample's updated_at, in microseconds since the epoch
    sample_id: int
    part: int  # 0: indicator, 1: observable, 2: observed-data, 3: based-on relationship

    def encode(self) -> str:
        """The opaque `next` value of a page ending here."""
        return f"{self.phase}.{self.micros}.{self.sample_id}.{self.part}"

    @classmethod
    def decode(cls, text: str) -> Position:
        """Read back a `next` value."""
        match = _CURSOR.match(text)
        if match is None:
            raise ValidationFailed("next 参数无效", "Invalid next", field="next")
        phase, micros, sample_id, part = (int(g) for g in match.groups())
        return cls(phase, micros, sample_id, part)

    @property
    def moment(self) -> datetime:
        """The change time this position encodes."""
        return _EPOCH + timedelta(microseconds=self.micros)


def _micros(moment: datetime) -> int:
    return (as_utc(moment) - _EPOCH) // timedelta(microseconds=1)


def _split(text: str | None) -> frozenset[str] | None:
    return None if text is None else frozenset(v.strip() for v in text.split(",") if v.strip())


@dataclass(frozen=True)
class Entry:
    """One object of a collection with its TAXII bookkeeping."""

    position: Position
    date_added: datetime
    version: str
    obj: dict[str, Any]


@dataclass(frozen=True)
class Filters:
    """TAXII 2.1 §3.4 filtering: added_after and match[...]; within a field values are alternatives."""

    added_after: datetime | None = None
    ids: frozenset[str] | None = None
    types: frozenset[str] | None = None
    versions: frozenset[str] = frozenset({"last"})
    spec_versions: frozenset[str] | None = None
    version_times: frozenset[datetime] = field(default=frozenset(), init=False)

    def __post_init__(self) -> None:
        times = frozenset(
            stix.parse_timestamp(v, "match[version]") for v in self.versions - _VERSION_KEYWORDS
        )
        object.__setattr__(self, "version_times", times)

    @classmethod
    def from_query(
        cls,
        added_after: str | None,
        match_id: str | None,
        match_type: str | None,
        match_version: str | None,
        match_spec_version: str | None,
    ) -> Filters:
        """Parse the query parameters."""
        return cls(
            added_after=None if added_after is None else stix.parse_timestamp(added_after, "added_after"),
            ids=_split(match_id),
            types=_split(match_type),
            versions=_split(match_version) or frozenset({"last"}),
            spec_versions=_split(match_spec_version),
        )

    def admits(self, entry: Entry) -> bool:
        """Whether `entry` passes every filter (Fanzha keeps one version of each object)."""
        obj = entry.obj
        if self.added_after is not None and entry.date_added <= self.added_after:
            return False
        if self.ids is not None and obj["id"] not in self.ids:
            return False
        if self.types is not None and obj["type"] not in self.types:
            return False
        if self.spec_versions is not None and obj.get("spec_version", stix.SPEC_VERSION) not in (
            self.spec_versions
        ):
            return False
        if self.versions & _VERSION_KEYWORDS:
            return True  # first, last and all are the same single version
        return stix.parse_timestamp(entry.version, "version") in self.version_times


def _fixed_entries() -> list[Entry]:
    entries = []
    for part, obj in enumerate(stix.static_objects()):
        version = obj.get("modified") or obj["created"]
        entries.append(Entry(Position(0, 0, 0, part), as_utc(stix.DEFINED_AT), version, obj))
    return entries


def _sample_entries(sample: Sample) -> list[Entry]:
    """A sample's objects, all (re-)added when the sample last changed."""
    micros, added = _micros(sample.updated_at), as_utc(sample.updated_at)
    objects = stix.sample_objects(sample)
    # SCOs have no `modified`: an observable never changes, its version is when it entered the library.
    versions = [o.get("modified") or stix.timestamp(sample.created_at, 6) for o in objects]
    return [
        Entry(Position(1, micros, sample.id, part), added, version, obj)
        for part, (version, obj) in enumerate(zip(versions, objects, strict=True))
    ]


def _published(kind: IdentifierKind) -> Select[Sample]:
    return select(Sample).where(
        Sample.kind == kind.value, Sample.status.in_([str(s) for s in stix.PUBLISHED_STATUSES])
    )


def _samples_with_ids(sessions: sessionmaker[Session], kind: IdentifierKind, ids: frozenset[str]) -> set[int]:
    """Samples owning any of `ids`: indicators and custom SCOs by their stored UUID, the rest by a scan."""
    wanted = {i for i in ids if i.partition("--")[0] in stix.object_types(kind)}
    stored = {
        Sample.stix_indicator: {u for t, _, u in (i.partition("--") for i in wanted) if t == "indicator"},
        Sample.stix_observable: {
            u for t, _, u in (i.partition("--") for i in wanted) if t == stix.IDENTIFIER_TYPE
        },
    }
    derived = {i for i in wanted if i.partition("--")[0] not in ("indicator", stix.IDENTIFIER_TYPE)}
    found: set[int] = set()
    with sessions() as session:
        for column, uuids in stored.items():
            if uuids:
                query = _published(kind).with_only_columns(Sample.id).where(column.in_(uuids))
                found |= set(session.scalars(query))
        if derived:
            # Standard SCO ids derive from values one way; observed-data and relationships from the UUIDs.
            for sample in session.scalars(_published(kind).execution_options(yield_per=2000)):
                if derived & {o["id"] for o in stix.sample_objects(sample)}:
                    found.add(sample.id)
    return found


def entries(
    sessions: sessionmaker[Session],
    kind: IdentifierKind,
    filters: Filters,
    after: Position | None = None,
    batch: int = _BATCH,
) -> Iterator[Entry]:
    """The collection's objects after `after` passing `filters`, in order; reads samples in batches."""
    for entry in _fixed_entries():
        if (after is None or entry.position > after) and filters.admits(entry):
            yield entry
    if filters.types is not None and not filters.types & stix.object_types(kind):
        return
    query = _published(kind).order_by(Sample.updated_at, Sample.id)
    if filters.added_after is not None:
        query = query.where(Sample.updated_at > filters.added_after)
    if filters.ids is not None:
        query = query.where(Sample.id.in_(_samples_with_ids(sessions, kind, filters.ids)))
    # The first batch includes the cursor's own sample: a page may end between its two objects.
    start: tuple[datetime, int] | None = None
    inclusive = True
    if after is not None and after.phase == 1:
        start = (after.moment, after.sample_id)
    last: tuple[datetime, int] | None = None
    while True:
        page = query
        if start is not None:
            moment, sample_id = start
            same = Sample.id >= sample_id if inclusive else Sample.id > sample_id
            page = page.where(or_(Sample.updated_at > moment, and_(Sample.updated_at == moment, same)))
        with reading(sessions) as session:
            rows = list(session.scalars(page.limit(batch)))
        for row in rows:
            # Rows must come in the cursor's order, each after the last: were stored times to compare
            # inconsistently, batches would come back forever (it once did, with two text forms of a time).
            last = advance(last, (as_utc(row.updated_at), row.id))
        for entry in (e for row in rows for e in _sample_entries(row)):
            if (after is None or entry.position > after) and filters.admits(entry):
                yield entry
        if len(rows) < batch:
            return
        start, inclusive = (as_utc(rows[-1].updated_at), rows[-1].id), False


@dataclass(frozen=True)
class Page:
    """One page of a collection."""

    entries: list[Entry]
    more: bool

    HEADER_FIRST: ClassVar[str] = "X-TAXII-Date-Added-First"
    HEADER_LAST: ClassVar[str] = "X-TAXII-Date-Added-Last"

    @property
    def next(self) -> str | None:
        """The cursor of the next page, when there is one."""
        return self.entries[-1].position.encode() if self.more and self.entries else None

    def headers(self) -> dict[str, str]:
        """TAXII 2.1 §3.3.1: the date_added of the first and last object returned."""
        if not self.entries:
            return {}
        return {
            self.HEADER_FIRST: stix.timestamp(self.entries[0].date_added, 6),
            self.HEADER_LAST: stix.timestamp(self.entries[-1].date_added, 6),
        }

    def envelope(self, key: str, items: list[Any]) -> dict[str, Any]:
        """An envelope (or manifest, or versions) body; empty when nothing matched."""
        if not items:
            return {}
        body: dict[str, Any] = {"more": self.more, key: items}
        if self.next:
            body["next"] = self.next
        return body


@dataclass(frozen=True)
class PageRequest:
    """The paging and filtering parameters every listing takes."""

    filters: Filters
    after: str | None
    limit: int | None

    def read(self, request: Request, kind: IdentifierKind) -> Page:
        """Up to `limit` objects after the cursor, and whether more follow."""
        size = min(self.limit or DEFAULT_LIMIT, MAX_LIMIT)
        found: list[Entry] = []
        position = None if self.after is None else Position.decode(self.after)
        batch = min(_BATCH, size // 2 + 2)
        for entry in entries(platform_of(request).sessions, kind, self.filters, position, batch):
            if len(found) == size:
                return Page(found, more=True)
            found.append(entry)
        return Page(found, more=False)

    def only(self, object_id: str, all_versions: bool = False) -> PageRequest:
        """The same request narrowed to one object (and to all its versions)."""
        filters = replace(
            self.filters,
            ids=frozenset({object_id}),
            versions=frozenset({"all"}) if all_versions else self.filters.versions,
        )
        return replace(self, filters=filters)


def page_request(
    added_after: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int | None, Query(ge=1, description=f"at most {MAX_LIMIT} are returned")] = None,
    next_page: Annotated[str | None, Query(alias="next", max_length=80)] = None,
    match_id: Annotated[str | None, Query(alias="match[id]", max_length=20_000)] = None,
    match_type: Annotated[str | None, Query(alias="match[type]", max_length=1000)] = None,
    match_version: Annotated[str | None, Query(alias="match[version]", max_length=2000)] = None,
    match_spec_version: Annotated[str | None, Query(alias="match[spec_version]", max_length=100)] = None,
) -> PageRequest:
    """TAXII 2.1 §3.4 query parameters."""
    filters = Filters.from_query(added_after, match_id, match_type, match_version, match_spec_version)
    return PageRequest(filters, next_page, limit)


# Routes ----------------------------------------------------------------------------------------

Paging = Annotated[PageRequest, Depends(page_request)]


@router.get("/", name="taxii_discovery")
def discovery(request: Request, principal: Reader) -> Response:
    """TAXII 2.1 §4.1: the one API root."""
    check_accept(request)
    root = str(request.url_for("taxii_api_root"))
    return TaxiiJSON(
        {
            "title": "Fanzha 湖南省反诈平台 TAXII 服务",
            "description": "涉诈样本库的 STIX 2.1 共享。 STIX 2.1 sharing of the Hunan fraud sample library.",
            "contact": "湖南省反电信网络诈骗中心",
            "default": root,
            "api_roots": [root],
        }
    )


@router.get(f"/{API_ROOT}/", name="taxii_api_root")
def api_root(request: Request, principal: Reader) -> Response:
    """TAXII 2.1 §4.2: the API root."""
    check_accept(request)
    return TaxiiJSON(
        {
            "title": "涉诈样本库 / Fraud sample library",
            "description": "每种标识一个只读集合。 One read-only collection per identifier kind.",
            "versions": [TAXII_MEDIA_TYPE],
            "max_content_length": 0,  # no collection accepts writes
        }
    )


@router.get(f"/{API_ROOT}/collections/")
def collections(request: Request, principal: Reader) -> Response:
    """TAXII 2.1 §5.1: every kind's collection."""
    check_accept(request)
    return TaxiiJSON({"collections": [collection_resource(kind) for kind in IdentifierKind]})


@router.get(f"/{API_ROOT}/collections/{{collection_key}}/")
def collection(request: Request, collection_key: str, principal: Reader) -> Response:
    """TAXII 2.1 §5.2: one collection, by id (its alias redirects there)."""
    check_accept(request)
    kind = canonical(request, collection_key)
    return kind if isinstance(kind, Response) else TaxiiJSON(collection_resource(kind))


@router.get(f"/{API_ROOT}/collections/{{collection_key}}/objects/")
def get_objects(request: Request, collection_key: str, principal: Reader, paging: Paging) -> Response:
    """TAXII 2.1 §5.3: objects oldest first, paged with `next`."""
    check_accept(request)
    kind = canonical(request, collection_key)
    if isinstance(kind, Response):
        return kind
    page = paging.read(request, kind)
    return TaxiiJSON(page.envelope("objects", [e.obj for e in page.entries]), headers=page.headers())


@router.get(f"/{API_ROOT}/collections/{{collection_key}}/manifest/")
def get_manifest(request: Request, collection_key: str, principal: Reader, paging: Paging) -> Response:
    """TAXII 2.1 §5.6: id, date added, version and media type of each object."""
    check_accept(request)
    kind = canonical(request, collection_key)
    if isinstance(kind, Response):
        return kind
    page = paging.read(request, kind)
    records = [
        {
            "id": e.obj["id"],
            "date_added": stix.timestamp(e.date_added, 6),
            "version": e.version,
            "media_type": stix.STIX_MEDIA_TYPE,
        }
        for e in page.entries
    ]
    return TaxiiJSON(page.envelope("objects", records), headers=page.headers())


def _one_object(request: Request, kind: IdentifierKind, paging: PageRequest) -> Page:
    page = paging.read(request, kind)
    if not page.entries and paging.after is None:
        raise NotFound("集合中没有该对象", "No such object in this collection", field="object_id")
    return page


@router.get(f"/{API_ROOT}/collections/{{collection_key}}/objects/{{object_id}}/")
def get_object(
    request: Request, collection_key: str, object_id: str, principal: Reader, paging: Paging
) -> Response:
    """TAXII 2.1 §5.5: one object (Fanzha keeps the current version of each object only)."""
    check_accept(request)
    kind = canonical(request, collection_key)
    if isinstance(kind, Response):
        return kind
    page = _one_object(request, kind, paging.only(object_id))
    return TaxiiJSON(page.envelope("objects", [e.obj for e in page.entries]), headers=page.headers())


@router.get(f"/{API_ROOT}/collections/{{collection_key}}/objects/{{object_id}}/versions/")
def get_object_versions(
    request: Request, collection_key: str, object_id: str, principal: Reader, paging: Paging
) -> Response:
    """TAXII 2.1 §5.8: the versions of one object."""
    check_accept(request)
    kind = canonical(request, collection_key)
    if isinstance(kind, Response):
        return kind
    page = _one_object(request, kind, paging.only(object_id, all_versions=True))
    return TaxiiJSON(page.envelope("versions", [e.version for e in page.entries]), headers=page.headers())
