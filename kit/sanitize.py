"""Message Markdown to HTML that is safe to hand to a browser, a PDF engine or a mail client.

Markdown lets writers type raw HTML; nh3 (a Rust HTML sanitiser) keeps only a small set of tags and
attributes, and only https and mailto links. Images, scripts, styles, iframes and <link> never survive:
message content must not make the pipeline read a local file or reach the network.
"""
from __future__ import annotations

import re
from functools import lru_cache

import markdown
import nh3
from markupsafe import Markup

BLOCK_TAGS = {"p", "br", "strong", "em", "b", "i", "a", "ul", "ol", "li", "blockquote", "h3", "h4"}
INLINE_TAGS = {"strong", "em", "b", "i", "a", "br"}


def _clean(html: str, tags: set[str]) -> str:
    return nh3.clean(html, tags=tags, attributes={"a": {"href"}}, url_schemes={"https", "mailto"},
                     link_rel="noopener noreferrer", strip_comments=True)


# Estonian writes ordinals with a dot: „2024. aastal“, „15. juunil“. At the start of a line Markdown takes them
# for a numbered list; a year (three or more digits) or a day before a month name is never a list item.
MONTHS = ("jaanuar|veebruar|märts|aprill|mai|juuni|juuli|august|september|oktoober|november|detsember|"
          "vahtsõaastagakuu|radokuu|urbõkuu|mahlakuu|lehekuu|piimäkuu|hainakuu|põimukuu|süküskuu|rehekuu|märtekuu|joulukuu")
ORDINAL = re.compile(rf"^(\s*)(\d{{3,}}|\d{{1,2}}(?=\. (?:{MONTHS})))\. ", re.MULTILINE | re.IGNORECASE)


def escape_ordinals(text: str) -> str:
    return ORDINAL.sub(lambda m: f"{m.group(1)}{m.group(2)}\\. ", text)


@lru_cache(maxsize=4096)  # feeds and pages convert the same bodies many times a build
def markdown_html(text: str) -> Markup:
    """A Markdown body as sanitised block HTML."""
    return Markup(_clean(markdown.markdown(escape_ordinals(text), output_format="html"), BLOCK_TAGS))


@lru_cache(maxsize=4096)
def inline_html(text: str) -> Markup:
    """One line of Markdown (a point, a summary) as sanitised inline HTML, without the wrapping <p>."""
    html = markdown.markdown(escape_ordinals(text), output_format="html").strip()
    html = html.removeprefix("<p>").removesuffix("</p>")
    return Markup(_clean(html, INLINE_TAGS))
