"""YAML and front matter read with line numbers, and without YAML 1.1's silent conversions.

Every scalar stays a string (BaseLoader): `18:00` would otherwise become 1080, `no` False and
`0123` the octal 83. The schema in content.py converts each field explicitly and says what it expected.

Every read is bounded, so no file can make kit hang or exhaust memory: aliases (`*name`) are refused (no kit
file needs them, and nine nested ones expand a few lines into a billion values), nesting is at most
MAX_DEPTH levels deep, and a YAML text is at most MAX_YAML_BYTES long (pure-Python YAML parses about
100 KB a second of CPU at worst: 32 KB of a one-letter flow list took 0.32 s, so one file stays well
under a second).
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

import yaml

Key = tuple[str | int, ...]

MAX_YAML_BYTES = 32 * 1024  # one YAML text: message.yaml, a front matter, a brand file (now at most 4 KB)
MAX_DEPTH = 20  # mappings and lists nested in one another (kit's own files need 5)


class YamlProblem(Exception):
    def __init__(self, line: int, text: str, field_name: str = ""):
        super().__init__(text)
        self.line, self.text, self.field = line, text, field_name


@dataclass
class Doc:
    """Plain data (dicts, lists, strings) plus the line where each key path starts."""

    data: Any
    lines: dict[Key, int] = field(default_factory=dict)

    def line(self, *keys: str | int) -> int:
        """The line of a key path, or of its nearest located parent."""
        path = tuple(keys)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)

    def field_at(self, line: int) -> str:
        """The dotted key path whose value starts on a line (for problems found by line)."""
        best: Key = ()
        for key, at in self.lines.items():
            if at == line and len(key) > len(best):
                best = key
        return ".".join(str(k) for k in best)


class _Alias(yaml.ScalarNode):
    """Stands where an alias was written, so that the problem can name its field."""


def load_kits_own(text: str) -> Any:
    """One of kit's own data files (labels, platform rules) or the brand's social layouts, read by every build: by
    PyYAML's C parser where it is built (ten times the pure-Python one's speed), with the same safe types. Message
    and brand files whose problems name a line go through `parse`."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


class _Refused(Exception):
    def __init__(self, mark: yaml.Mark, text: str):
        super().__init__(text)
        self.mark, self.text = mark, text


class _BoundedLoader(yaml.BaseLoader):
    """BaseLoader that never expands an alias and refuses deep nesting (the composer recurses per level)."""

    _depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.get_event()
            return _Alias("tag:yaml.org,2002:str", "", event.start_mark, event.end_mark)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(self.peek_event().start_mark, f"nested more than {MAX_DEPTH} levels deep")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def parse(text: str, first_line: int = 1) -> Doc:
    """Parse YAML; `first_line` is where the text starts in its file (front matter starts at 2)."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_YAML_BYTES:
        raise YamlProblem(first_line, f"{size // 1024} KB of YAML is more than the {MAX_YAML_BYTES // 1024} KB "
                                      "kit reads (in a <lang>.md, long text belongs in the body)")
    try:
        node = yaml.compose(text, Loader=_BoundedLoader)
    except _Refused as exc:
        raise YamlProblem(exc.mark.line + first_line, exc.text) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line if mark else 0) + first_line
        hint = ""
        if exc.problem and "mapping values are not allowed" in exc.problem:
            hint = "; a text containing ': ' must be put in quotes"
        raise YamlProblem(line, f"not valid YAML: {exc.problem}{hint}") from None
    except yaml.YAMLError as exc:  # reader errors carry no mark we can trust
        raise YamlProblem(first_line, f"not valid YAML: {exc}") from None
    doc = Doc(data={})
    if node is None:
        doc.lines[()] = first_line
        return doc
    doc.data = _convert(node, (), doc, first_line - 1)
    return doc


def _convert(node: yaml.Node, key: Key, doc: Doc, offset: int) -> Any:
    doc.lines.setdefault(key, node.start_mark.line + 1 + offset)
    if isinstance(node, _Alias):
        raise YamlProblem(node.start_mark.line + 1 + offset, "YAML aliases (*name) are not supported; "
                          "write the value out in full", ".".join(str(k) for k in key))
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or isinstance(key_node, _Alias):
                raise YamlProblem(key_node.start_mark.line + 1 + offset, "a field name must be plain text, "
                                  "not a list, a mapping or an alias", ".".join(str(k) for k in key))
            name = str(key_node.value)
            if name in result:
                raise YamlProblem(key_node.start_mark.line + 1 + offset, "appears twice", name)
            doc.lines[key + (name,)] = key_node.start_mark.line + 1 + offset
            result[name] = _convert(value_node, key + (name,), doc, offset)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, key + (i,), doc, offset) for i, item in enumerate(node.value)]
    return node.value


def split_front_matter(text: str) -> tuple[str, str, int]:
    """Split `---` front matter from a Markdown body; returns (yaml, body, body's first line)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise YamlProblem(1, "must start with a '---' line opening the front matter")
    for i, line in enumerate(lines[1:], start=1):
        if line.strip() == "---":
            return "\n".join(lines[1:i]), "\n".join(lines[i + 1 :]), i + 2
    raise YamlProblem(1, "front matter is not closed by a '---' line")


# Characters a word processor leaves behind that print as nothing or as boxes. Tab, newline and
# carriage return are fine; the soft hyphen (U+00AD) and no-break spaces are wanted typography.
_INVISIBLE = {"\u200b": "ZERO WIDTH SPACE", "\u2028": "LINE SEPARATOR", "\u2029": "PARAGRAPH SEPARATOR",
              "\ufeff": "ZERO WIDTH NO-BREAK SPACE", "\ufffd": "REPLACEMENT CHARACTER"}


def control_characters(text: str) -> list[tuple[int, int, str]]:
    """(line, column, description) of every stray control character."""
    found = []
    for number, line in enumerate(text.split("\n"), start=1):
        for column, char in enumerate(line, start=1):
            if char in "\t\r":
                continue
            if unicodedata.category(char) == "Cc" or char in _INVISIBLE:
                name = _INVISIBLE.get(char) or unicodedata.name(char, "control character")
                found.append((number, column, f"U+{ord(char):04X} {name}"))
    return found


def decode_utf8(raw: bytes) -> str:
    """Decode UTF-8 (a leading BOM is dropped); raises YamlProblem with the line of the bad byte."""
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise YamlProblem(line, f"not UTF-8 (byte 0x{raw[exc.start]:02X}); save the file as UTF-8") from None
