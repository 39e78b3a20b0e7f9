"""Beatport's catalog in our own typed shapes: tracks, releases, artists, labels, genres, charts.

Beatport's raw JSON is never handed to API users: each entity is read here, field by field,
into a model whose names are ours and stable (docs/api-contract.md, "Beatport catalog").
Readings that shape these models, from the recorded answers (../shared/fixtures/beatport):

- a track's label is `release.label`; its artwork is the release's image (the track's own
  `image` is the 1500x250 waveform); its preview is `sample_url` with the window
  `sample_start_ms`..`sample_end_ms` (a LOFI mp3);
- `key.name` ("Ab Minor") gives the Camelot code (tracktion.catalog.keys computes it; Beatport's
  own `camelot_number`/`camelot_letter` agree with it on every recording);
- the release date is `new_release_date` (the label's date), `publish_date` when that is absent;
- catalog numbers are the label's ("MAU50610BP1": prefix MAU, number 50610, suffix BP1) or, on
  major-label reissues, a barcode ("5099962147453"), which `parse_catalog_number` tells apart;
- images come as `{"id", "uri", "dynamic_uri"}` where `dynamic_uri` holds `{w}x{h}`.

Every reader tolerates absent or null fields (the 2021 recordings lack several): a field
Beatport did not send is `None` or an empty list, never invented.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field

from tracktion.catalog.keys import camelot
from tracktion.contract import Out

SITE = "https://www.beatport.com"

# ---------------------------------------------------------------- catalog numbers

# A label's catalog number: letters (the label's prefix), digits, then anything (format or
# part suffix: "EXT", "BP1", "D", "PT2"). Separators between them are kept out of the parts.
_CATNO = re.compile(r"^([A-Za-z][A-Za-z&.]*?)[\s\-_.]*(\d+)[\s\-_.]*([A-Za-z0-9][A-Za-z0-9\-_. ]*)?$")
_BARCODE = re.compile(r"^\d{8}$|^\d{12,14}$")


class BeatportCatalogNumber(Out):
    """A catalog number as printed, and its parts when it has the label's usual form."""

    value: str = Field(description="As Beatport gives it, e.g. MAU50610BP1")
    prefix: str | None = Field(default=None, description="The label's letters, e.g. MAU")
    number: int | None = Field(default=None, description="The running number, e.g. 50610")
    suffix: str | None = Field(default=None, description="Format or part, e.g. BP1, EXT")
    is_barcode: bool = Field(default=False, description="An EAN/UPC in place of a catalog number")


def parse_catalog_number(value: Any) -> BeatportCatalogNumber | None:
    """`value` read as a catalog number; None when absent or blank. Never raises."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        return None
    text = str(value).strip()[:100]
    if not text:
        return None
    if _BARCODE.match(text):
        return BeatportCatalogNumber(value=text, is_barcode=True)
    m = _CATNO.match(text)
    if not m:
        return BeatportCatalogNumber(value=text)
    prefix, digits, suffix = m.groups()
    return BeatportCatalogNumber(
        value=text,
        prefix=prefix.upper(),
        number=int(digits[:18]),
        suffix=suffix.strip() if suffix and suffix.strip() else None,
    )


# ---------------------------------------------------------------- small parts


class BeatportImage(Out):
    url: str = Field(description="The image at Beatport's stored size")
    template: str | None = Field(
        default=None, description="The same image at any size: replace {w} and {h} (pixels)"
    )


class BeatportArtistRef(Out):
    id: int
    name: str
    slug: str | None = None
    image: BeatportImage | None = None


class BeatportLabelRef(Out):
    id: int
    name: str
    slug: str | None = None
    image: BeatportImage | None = None


class BeatportGenreRef(Out):
    id: int
    name: str
    slug: str | None = None


class BeatportKey(Out):
    name: str = Field(description='e.g. "Ab Minor"')
    camelot: str | None = Field(default=None, description='Camelot wheel code, e.g. "1A"')
    id: int | None = Field(default=None, description="Beatport's key id (1..34)")
    is_minor: bool | None = None


class BeatportPreview(Out):
    url: str = Field(description="Beatport's preview stream (LOFI mp3)")
    start_ms: int | None = Field(default=None, description="Where the preview starts in the track")
    end_ms: int | None = Field(default=None, description="Where it ends")
    duration_ms: int | None = None


class BeatportReleaseRef(Out):
    id: int
    name: str
    slug: str | None = None
    label: BeatportLabelRef | None = None
    artwork: BeatportImage | None = None
    release_date: str | None = Field(default=None, description="YYYY-MM-DD")
    catalog_number: str | None = None


class BeatportPagination(Out):
    """The contract's page pagination (tracktion.api.shapes.PagePagination), plus Beatport's count
    being possibly capped (genre lists report 10000)."""

    page: int
    limit: int
    total_pages: int
    total_items: int
    has_next: bool
    has_previous: bool


# ---------------------------------------------------------------- entities


class BeatportTrack(Out):
    entity: Literal["track"] = "track"
    id: int
    catalog_track_id: str = Field(description="Our catalog id: beatport:<id> (as matching answers)")
    name: str
    mix_name: str | None = None
    title: str = Field(description="Name with its mix, e.g. Strobe (Layton Giordani Extended Remix)")
    artists: list[BeatportArtistRef] = Field(default_factory=list)
    artist: str = Field(description="Artist names joined by ', '")
    remixers: list[BeatportArtistRef] = Field(default_factory=list)
    bpm: float | None = None
    key: BeatportKey | None = None
    camelot: str | None = None
    genre: BeatportGenreRef | None = None
    sub_genre: BeatportGenreRef | None = None
    label: BeatportLabelRef | None = None
    release: BeatportReleaseRef | None = None
    release_date: str | None = Field(default=None, description="YYYY-MM-DD")
    publish_date: str | None = None
    catalog_number: str | None = None
    catalog: BeatportCatalogNumber | None = None
    isrc: str | None = None
    length: str | None = Field(default=None, description='"M:SS" as Beatport shows it')
    length_ms: int | None = None
    duration: float | None = Field(default=None, description="Seconds")
    preview_url: str | None = None
    preview: BeatportPreview | None = None
    artwork: BeatportImage | None = Field(default=None, description="The release's cover")
    waveform: BeatportImage | None = None
    is_hype: bool | None = None
    exclusive: bool | None = None
    url: str = Field(description="The track's page on beatport.com")


class BeatportRelease(Out):
    entity: Literal["release"] = "release"
    id: int
    name: str
    slug: str | None = None
    artists: list[BeatportArtistRef] = Field(default_factory=list)
    remixers: list[BeatportArtistRef] = Field(default_factory=list)
    label: BeatportLabelRef | None = None
    release_date: str | None = None
    publish_date: str | None = None
    catalog_number: str | None = None
    catalog: BeatportCatalogNumber | None = None
    upc: str | None = None
    track_count: int | None = None
    track_ids: list[int] = Field(default_factory=list, description="The detail's tracks, in order")
    bpm_min: float | None = None
    bpm_max: float | None = None
    artwork: BeatportImage | None = None
    type: str | None = Field(default=None, description='e.g. "Release", "Album"')
    description: str | None = None
    is_hype: bool | None = None
    exclusive: bool | None = None
    url: str


class BeatportArtist(Out):
    entity: Literal["artist"] = "artist"
    id: int
    name: str
    slug: str | None = None
    biography: str | None = None
    image: BeatportImage | None = None
    website: str | None = None
    url: str


class BeatportLabel(Out):
    entity: Literal["label"] = "label"
    id: int
    name: str
    slug: str | None = None
    biography: str | None = None
    image: BeatportImage | None = None
    created: str | None = None
    latest_release_date: str | None = None
    hype_eligible: bool | None = None
    url: str


class BeatportGenre(Out):
    entity: Literal["genre"] = "genre"
    id: int
    name: str
    slug: str | None = None
    category: str | None = Field(default=None, description='e.g. "Electronic", "Open Format"')
    sub_genres: list[BeatportGenreRef] = Field(default_factory=list)
    url: str


class BeatportChart(Out):
    entity: Literal["chart"] = "chart"
    id: int
    name: str
    slug: str | None = None
    description: str | None = None
    curator: str | None = Field(default=None, description="Whose chart it is (DJ profile)")
    artist: BeatportArtistRef | None = None
    genres: list[BeatportGenreRef] = Field(default_factory=list)
    track_count: int | None = None
    image: BeatportImage | None = None
    publish_date: str | None = None
    url: str


# ---------------------------------------------------------------- readers


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip()[:18])
    return None


def _str(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    return None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _date(value: Any) -> str | None:
    text = _str(value)
    return text[:10] if text and re.match(r"^\d{4}-\d{2}-\d{2}", text) else None


def image(value: Any) -> BeatportImage | None:
    data = _dict(value)
    uri = _str(data.get("uri"))
    if uri is None:
        return None
    return BeatportImage(url=uri, template=_str(data.get("dynamic_uri")))


def _ref(value: Any) -> dict[str, Any] | None:
    data = _dict(value)
    ident, name = _int(data.get("id")), _str(data.get("name"))
    if ident is None or name is None:
        return None
    return {"id": ident, "name": name, "slug": _str(data.get("slug"))}


def artist_ref(value: Any) -> BeatportArtistRef | None:
    ref = _ref(value)
    return BeatportArtistRef(**ref, image=image(_dict(value).get("image"))) if ref else None


def label_ref(value: Any) -> BeatportLabelRef | None:
    ref = _ref(value)
    return BeatportLabelRef(**ref, image=image(_dict(value).get("image"))) if ref else None


def genre_ref(value: Any) -> BeatportGenreRef | None:
    ref = _ref(value)
    return BeatportGenreRef(**ref) if ref else None


def _artists(value: Any) -> list[BeatportArtistRef]:
    return [a for a in (artist_ref(x) for x in _list(value)) if a is not None]


def key(value: Any) -> BeatportKey | None:
    data = _dict(value)
    name = _str(data.get("name"))
    if name is None:
        return None
    chord = _str(_dict(data.get("chord_type")).get("name"))
    return BeatportKey(
        name=name,
        camelot=camelot(name),
        id=_int(data.get("id")),
        is_minor=chord.casefold() == "minor" if chord else None,
    )


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _preview(item: dict[str, Any]) -> BeatportPreview | None:
    url = _str(item.get("sample_url"))
    if url is None:
        return None
    start, end = _int(item.get("sample_start_ms")), _int(item.get("sample_end_ms"))
    duration = end - start if start is not None and end is not None and end >= start else None
    return BeatportPreview(url=url, start_ms=start, end_ms=end, duration_ms=duration)


def _page(kind: str, slug: str | None, ident: int) -> str:
    return f"{SITE}/{kind}/{slug or kind}/{ident}"


def track(item: dict[str, Any]) -> BeatportTrack:
    """A track (list item or detail) in our shape. KeyError when it has no id."""
    ident = _int(item.get("id"))
    if ident is None:
        raise KeyError("id")
    name = _str(item.get("name")) or ""
    mix = _str(item.get("mix_name"))
    artists = _artists(item.get("artists"))
    release_data = _dict(item.get("release"))
    release_ref = _ref(release_data)
    label = label_ref(release_data.get("label"))
    release_date = _date(item.get("new_release_date")) or _date(item.get("publish_date"))
    catno = _str(item.get("catalog_number"))
    the_key = key(item.get("key"))
    length_ms = _int(item.get("length_ms"))
    artwork = image(release_data.get("image"))
    return BeatportTrack(
        id=ident,
        catalog_track_id=f"beatport:{ident}",
        name=name,
        mix_name=mix,
        title=f"{name} ({mix})" if mix else name,
        artists=artists,
        artist=", ".join(a.name for a in artists),
        remixers=_artists(item.get("remixers")),
        bpm=_number(item.get("bpm")),
        key=the_key,
        camelot=the_key.camelot if the_key else None,
        genre=genre_ref(item.get("genre")),
        sub_genre=genre_ref(item.get("sub_genre")),
        label=label,
        release=BeatportReleaseRef(
            **release_ref, label=label, artwork=artwork, release_date=release_date, catalog_number=catno
        )
        if release_ref
        else None,
        release_date=release_date,
        publish_date=_date(item.get("publish_date")),
        catalog_number=catno,
        catalog=parse_catalog_number(catno),
        isrc=_str(item.get("isrc")),
        length=_str(item.get("length")),
        length_ms=length_ms,
        duration=round(length_ms / 1000, 3) if length_ms is not None else None,
        preview_url=_str(item.get("sample_url")),
        preview=_preview(item),
        artwork=artwork,
        waveform=image(item.get("image")),
        is_hype=item.get("is_hype") if isinstance(item.get("is_hype"), bool) else None,
        exclusive=item.get("exclusive") if isinstance(item.get("exclusive"), bool) else None,
        url=_page("track", _str(item.get("slug")), ident),
    )


def _track_id(link: Any) -> int | None:
    """A release detail lists its tracks as URLs (".../catalog/tracks/19431036/") or objects."""
    if isinstance(link, dict):
        return _int(link.get("id"))
    m = re.search(r"/tracks/(\d+)/?$", link) if isinstance(link, str) else None
    return int(m.group(1)) if m else None


def release(item: dict[str, Any]) -> BeatportRelease:
    ident = _int(item.get("id"))
    if ident is None:
        raise KeyError("id")
    catno = _str(item.get("catalog_number"))
    bpm = _dict(item.get("bpm_range"))
    return BeatportRelease(
        id=ident,
        name=_str(item.get("name")) or "",
        slug=_str(item.get("slug")),
        artists=_artists(item.get("artists")),
        remixers=_artists(item.get("remixers")),
        label=label_ref(item.get("label")),
        release_date=_date(item.get("new_release_date")) or _date(item.get("publish_date")),
        publish_date=_date(item.get("publish_date")),
        catalog_number=catno,
        catalog=parse_catalog_number(catno),
        upc=_str(item.get("upc")),
        track_count=_int(item.get("track_count")),
        track_ids=[t for t in (_track_id(x) for x in _list(item.get("tracks"))) if t is not None],
        bpm_min=_number(bpm.get("min")),
        bpm_max=_number(bpm.get("max")),
        artwork=image(item.get("image")),
        type=_str(_dict(item.get("type")).get("name")),
        description=_str(item.get("desc")),
        is_hype=item.get("is_hype") if isinstance(item.get("is_hype"), bool) else None,
        exclusive=item.get("exclusive") if isinstance(item.get("exclusive"), bool) else None,
        url=_page("release", _str(item.get("slug")), ident),
    )


def artist(item: dict[str, Any]) -> BeatportArtist:
    ident = _int(item.get("id"))
    if ident is None:
        raise KeyError("id")
    return BeatportArtist(
        id=ident,
        name=_str(item.get("name")) or "",
        slug=_str(item.get("slug")),
        biography=_str(item.get("bio")),
        image=image(item.get("image")),
        website=_str(item.get("website")),
        url=_page("artist", _str(item.get("slug")), ident),
    )


def label(item: dict[str, Any]) -> BeatportLabel:
    ident = _int(item.get("id"))
    if ident is None:
        raise KeyError("id")
    return BeatportLabel(
        id=ident,
        name=_str(item.get("name")) or "",
        slug=_str(item.get("slug")),
        biography=_str(item.get("bio")),
        image=image(item.get("image")),
        created=_date(item.get("created")),
        latest_release_date=_date(item.get("latest_active_publish_date")),
        hype_eligible=item.get("hype_eligible") if isinstance(item.get("hype_eligible"), bool) else None,
        url=_page("label", _str(item.get("slug")), ident),
    )


def genre(item: dict[str, Any]) -> BeatportGenre:
    ident = _int(item.get("id"))
    if ident is None:
        raise KeyError("id")
    slug = _str(item.get("slug"))
    return BeatportGenre(
        id=ident,
        name=_str(item.get("name")) or "",
        slug=slug,
        category=_str(_dict(item.get("category")).get("name")),
        sub_genres=[g for g in (genre_ref(x) for x in _list(item.get("sub_genres"))) if g is not None],
        url=_page("genre", slug, ident),
    )


def chart(item: dict[str, Any]) -> BeatportChart:
    ident = _int(item.get("id"))
    if ident is None:
        raise KeyError("id")
    slug = _str(item.get("slug"))
    return BeatportChart(
        id=ident,
        name=_str(item.get("name")) or "",
        slug=slug,
        description=_str(item.get("description")),
        curator=_str(_dict(item.get("person")).get("owner_name")),
        artist=artist_ref(item.get("artist")),
        genres=[g for g in (genre_ref(x) for x in _list(item.get("genres"))) if g is not None],
        track_count=_int(item.get("track_count")),
        image=image(item.get("image")),
        publish_date=_date(item.get("publish_date")),
        url=_page("chart", slug, ident),
    )
