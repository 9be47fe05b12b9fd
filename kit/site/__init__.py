"""The site stage: the review sheet for the team, and the public download site with feeds and bundles.

outputs/site is rebuilt to exactly the set computed here: files of public messages (hard links into
outputs/kit), pages, feeds, frozen feed archives and bundles. Anything else in it is removed, so a draft,
an embargoed or a withdrawn message has nothing there, not even at a guessable URL. A message with a failed
job keeps its previous public version (kit/site/public.py), files and all, or stays off the site.
"""
from __future__ import annotations

import hashlib
import json
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from functools import lru_cache, partial
from pathlib import Path

from kit.errors import Problem
from kit.filecache import code_version, folder_digest
from kit.model import Job
from kit.render import Registry, RenderContext
from kit.site import feeds as feed_formats
from kit.site.archive import ArchiveState, split
from kit.site.bundles import bundle_sets, zip_bundle
from kit.site.catalog import Catalog, build_catalog
from kit.digest import value_digest
from kit.site.handoff import posts_csvs
from kit.site.pages import (WEB_FONT_ROLES, Page, prepared_web_font, render_pages, site_assets, site_pages,
                            web_font_name, woff2)
from kit.site.public import save_record
from kit.site.review import review_sheet, status_group
from kit.site.seo import head_links, search_files
from kit.site.templates import templates_cached_in
from kit.store import Made, Store, state_json
from kit.workers import in_a_fork

BUNDLE_STATE = "state/bundles.json"
FONT_STATE = "state/web-fonts.json"
SITE_KEY = "state/site-key.json"
POST_RECORDS = "state/post-records.pickle"  # each message's rows of the posts CSVs (kit/site/handoff.py)
# Each feed in three formats, named as a feed reader's user knows them.
FEED_FORMATS = (("Atom", ".atom", "application/atom+xml"), ("RSS", ".rss", "application/rss+xml"),
                ("JSON Feed", ".json", "application/feed+json"))


def build_site(ctx: RenderContext, registry: Registry, jobs: list[Job], store: Store, warnings: list[Problem],
               web_fonts: WebFonts | None = None, may_skip: bool = False) -> tuple[str, ...]:
    """Returns one line per message or issue not published whole (its previous version kept, or none).
    `web_fonts`: made before the render, so the fonts were converted meanwhile.

    `may_skip` (the build rendered and removed nothing, and was not `--site-only`): when nothing this stage reads
    changed since it last finished (see `site_key`), and every file it left is there, the site and the review
    sheet are left as they are. At 1 000 messages this stage was most of a rebuild with nothing to do."""
    key = site_key(ctx, registry, jobs, store, warnings)
    last = store.read_json(SITE_KEY) or {}
    web_fonts = web_fonts or WebFonts(ctx, store)
    if may_skip and last.get("key") == key and not web_fonts.to_convert and store.site_is_whole():
        return tuple(last.get("held_back", ()))
    store.write_file(SITE_KEY, b"{}")  # a stage killed midway leaves no key: the next build makes the site again
    with templates_cached_in(store):
        held_back = _make_site(ctx, registry, jobs, store, warnings, web_fonts)
    store.write_file(SITE_KEY, state_json({"key": key, "held_back": list(held_back)}))
    return held_back


def site_key(ctx: RenderContext, registry: Registry, jobs: list[Job], store: Store, warnings: list[Problem]) -> str:
    """A digest of everything the site stage reads: the messages as loaded and what each is at this moment
    (draft, embargoed, public, expired), the jobs and what the store built of them (the manifest: files,
    checksums, warnings, errors), the content warnings, the settings, the brand's files, kit's code and the
    renderers' (a job's input hash covers its renderer's code, and its outputs, parameters and members). What the
    stage reads besides is its own state in outputs/state, left by the stage that made the key."""
    moments = [(m.id, status_group(m, ctx.now), m.is_public(ctx.now)) for m in ctx.messages.values()]
    return value_digest((code_version(), ctx.settings, folder_digest(ctx.brand.root), sorted(ctx.messages.items()),
                         dict(ctx.intros), moments, [(job.key, job.input_hash) for job in jobs], store.digest(),
                         [repr(w) for w in warnings], registry.names()))


def _make_site(ctx: RenderContext, registry: Registry, jobs: list[Job], store: Store, warnings: list[Problem],
               web_fonts: WebFonts) -> tuple[str, ...]:
    store.read_all()  # the review sheet and the catalog ask about every job (and the fork must not ask the database)
    # The review sheet is made in a fork while this process makes the site (a fifth of a one-edit build's site
    # stage on its own), and written even when making the site fails.
    review = in_a_fork(partial(review_sheet, ctx, jobs, store, warnings))
    try:
        return _make_public_site(ctx, registry, jobs, store, web_fonts)
    finally:
        store.write_file("review/index.html", review.result().encode())


def _make_public_site(ctx: RenderContext, registry: Registry, jobs: list[Job], store: Store,
                      web_fonts: WebFonts) -> tuple[str, ...]:
    catalog = build_catalog(ctx, registry, jobs, store)
    ctx = replace(ctx, messages={**ctx.messages, **catalog.messages})  # pages and feeds show the kept versions
    stamp = _data_stamp(ctx, registry)
    feeds, archives, feed_list = _feeds(ctx, catalog, store, stamp)
    bundles = _bundles(ctx, catalog, store)
    # For scheduling tools; pages link them as they do the bundles, with the size.
    posts, post_records = posts_csvs(ctx, catalog, store.read_memo(POST_RECORDS))
    sizes = {**bundles, **{path: len(data) for path, data in posts.items()}}
    pages = site_pages(ctx, registry, catalog, feed_list, sizes, stamp=stamp)
    paths = [page.path for page in pages]
    heads = head_links(ctx, paths)
    render = render_pages(pages, heads)
    made = {**feeds, **search_files(ctx, paths),
            **{page.path: Made(_page_key(page, heads[page.path]), partial(render, page)) for page in pages}}
    links = {**{f"files/{file.path}": file.location for file in catalog.files},  # the latest copy, for press and newsletters
             **{file.href: file.location for file in catalog.files}}  # what pages and feeds name, with its checksum
    stylesheet, assets = site_assets(ctx)
    fonts = web_fonts.write(store)
    store.sync_site(generated={**posts, **stylesheet}, made=made,
                    links={**links, **assets, **archives, **web_fonts.prepared}, kept=set(bundles) | fonts)
    save_record(store, **catalog.published, digests=catalog.digests)
    store.write_memo(POST_RECORDS, post_records)
    return catalog.held_back


def _feeds(ctx: RenderContext, catalog: Catalog, store: Store,
           stamp: str) -> tuple[dict[str, Made], dict[str, Path], list[dict]]:
    """The live feeds' documents (each made only when what it shows changed: after an edit, most feeds do not
    list the message), the frozen archives (site path -> their file in outputs/state), and the list of feeds
    the pages show. `stamp`: the brand, settings and renderers (_data_stamp)."""
    state = ArchiveState.load(store)
    withdrawn = [m for m in ctx.messages.values() if m.status == "withdrawn"]
    documents, frozen, listed = {}, {}, []
    for spec in feed_formats.feed_specs(ctx, catalog):
        live, archives = split(ctx, spec, state, store)
        links = {"self": feed_formats.url(ctx, f"feeds/{spec.name}.atom"),
                 "alternate": feed_formats.url(ctx, f"{spec.lang or 'et'}/index.html")}
        if archives:
            links["prev-archive"] = feed_formats.url(ctx, max(archives, key=_page_number))
        gone = [m for m in withdrawn if not spec.municipality or spec.municipality in m.municipalities]
        # What a feed shows: its entries are their messages and files (the catalog's digests), in its language
        key = value_digest((code_version(), stamp, spec.name, spec.title, spec.lang, spec.municipality, spec.issues,
                            [(e.message.id, e.lang, catalog.digests[e.message.id]) for e in live], links,
                            [(m.id, m.updated, m.translations, m.municipalities) for m in gone]))
        documents[f"feeds/{spec.name}.atom"] = Made(key, partial(feed_formats.atom, ctx, spec, live, links, withdrawn=gone))
        documents[f"feeds/{spec.name}.rss"] = Made(key, partial(feed_formats.rss, ctx, spec, live))
        documents[f"feeds/{spec.name}.json"] = Made(key, partial(feed_formats.json_feed, ctx, spec, live))
        frozen.update(archives)
        listed.append({"title": spec.title, "lang": spec.lang, "municipality": spec.municipality,
                       "formats": [{"label": name, "file": spec.name + suffix, "type": media_type}
                                   for name, suffix, media_type in FEED_FORMATS]})
    state.save(store)
    return documents, frozen, listed


def _data_stamp(ctx: RenderContext, registry: Registry) -> str:
    """What a message's page data depend on besides the message and its files (kit/site/pages.py MessageData):
    the brand as loaded, the settings, and each renderer's code (a presentation may come from a plug-in)."""
    return value_digest((ctx.brand, ctx.settings, [(renderer.name, renderer.code_hash) for renderer in registry]))


def _page_key(page: Page, head: str) -> str:
    """What a page is made from: its data, its head links and kit's own code (templates, labels, filters). The
    same key as the last build's, and the page on disk is that build's: it is not made again."""
    return value_digest((code_version(), page.template, page.context, head))


def _page_number(path: str) -> int:
    return int(path.rsplit("-", 1)[1].split(".")[0])


def _bundles(ctx: RenderContext, catalog: Catalog, store: Store) -> dict[str, int]:
    """Zip only the bundles whose members changed (they are large); returns path -> size."""
    previous = store.read_json(BUNDLE_STATE) or {}
    state, sizes = {}, {}
    for path, files in sorted(bundle_sets(catalog, ctx.brand.municipalities, ctx.now).items()):
        digest = hashlib.sha256("".join(f"{f.path}{f.sha256}" for f in sorted(files, key=lambda f: f.path)).encode()).hexdigest()
        target = store.out / "site" / path
        if previous.get(path) != digest or not target.is_file():
            store.write_stream(f"site/{path}", partial(zip_bundle, files))
        state[path] = digest
        sizes[path] = target.stat().st_size
    store.write_file(BUNDLE_STATE, (json.dumps(state, indent=1, sort_keys=True) + "\n").encode())
    return sizes


class WebFonts:
    """WOFF2 copies of the brand's fonts in assets/fonts/. The brand keeps them made ahead, beside the fonts
    (`prepared_web_font`), and the site links those. A font without a current copy there (a brand that changed
    its fonts and did not run scripts/make_brand_assets.py) is converted by the build, and again only when it
    changes. A build starts the conversions (about a second a face: brotli at its best) once its workers are
    forked, in a thread beside them (brotli lets go of the GIL); they still take a core from the workers."""

    def __init__(self, ctx: RenderContext, store: Store):
        previous = store.read_json(FONT_STATE) or {}
        self.digests: dict[str, str] = {}
        self.prepared: dict[str, Path] = {}  # site path -> the brand's copy
        self.to_convert: dict[str, Path] = {}
        self.converting: dict[str, Future[bytes]] = {}
        for font in sorted({getattr(ctx.brand.fonts, role) for role in WEB_FONT_ROLES}):
            path = f"assets/fonts/{web_font_name(font)}"
            digest = hashlib.sha256(font.read_bytes()).hexdigest()
            if (prepared := prepared_web_font(font, digest)).is_file():
                self.prepared[path] = prepared
                continue
            self.digests[path] = digest
            if previous.get(path) != digest or not (store.out / "site" / path).is_file():
                self.to_convert[path] = font

    def start(self) -> None:
        """Begin converting in a thread (not before a fork: a forked thread's locks stay taken in the child)."""
        for path, font in self.to_convert.items():
            if path not in self.converting:
                self.converting[path] = _font_thread().submit(woff2, font)

    def write(self, store: Store) -> set[str]:
        """Write the converted fonts and the state; the paths of the converted fonts (the site keeps them)."""
        self.start()
        for path, converted in self.converting.items():
            store.write_file(f"site/{path}", converted.result())
        store.write_file(FONT_STATE, (json.dumps(self.digests, indent=1, sort_keys=True) + "\n").encode())
        return set(self.digests)


@lru_cache(maxsize=1)
def _font_thread() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="kit-web-fonts")
