"""Read YAML data files (program files, fact declarations, profiles) with file:line problems."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from talentvisa.rules.bounds import first_invalid
from talentvisa.rules.conventions import not_a_date


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class ProgramFileError(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys instead of silently keeping the last one."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _construct_date(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    # PyYAML raises a bare ValueError for 2000-02-30, which escapes as a traceback.
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        raise yaml.constructor.ConstructorError(
            None, None, not_a_date(node.value), node.start_mark
        ) from None


_UniqueKeyLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_date)


def _path_to(node: yaml.Node | None, mark: yaml.Mark) -> list[str | int]:
    """The keys and indexes leading to the node that starts at ``mark``, to name the field."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if value.start_mark.index == mark.index:
                return [key.value]
            if value.start_mark.index < mark.index <= value.end_mark.index:
                return [key.value, *_path_to(value, mark)]
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            if item.start_mark.index == mark.index:
                return [i]
            if item.start_mark.index < mark.index <= item.end_mark.index:
                return [i, *_path_to(item, mark)]
    return []


# YAML 1.1 reads yes/no/on/off as booleans, which silently turns Norway ("NO") into False.
# Program files accept only true/false as booleans.
_UniqueKeyLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_UniqueKeyLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def _line_of(root: yaml.Node | None, loc: Sequence[str | int]) -> int:
    node = root
    line = 1 if root is None else root.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if k.value == str(part)), None)
            if pair is None:
                break
            line = pair[0].start_mark.line + 1  # the key's line reads best in an editor
            node = pair[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def line_of(root: yaml.Node | None, loc: Sequence[str | int]) -> int:
    """The line of the item at ``loc`` (keys and list indexes) in a composed YAML tree."""
    return _line_of(root, loc)


def read_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    """Parse a YAML file, returning the data and its node tree (for line numbers)."""
    name = str(path)
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise ProgramFileError([Problem(name, 0, f"cannot read file: {exc.strerror}")]) from None
    root: yaml.Node | None = None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        field = ".".join(map(str, _path_to(root, mark))) if mark and root else ""
        what = f"{field}: {exc.problem}" if field else f"invalid YAML: {exc.problem}"
        raise ProgramFileError([Problem(name, line, what)]) from None
    bad = first_invalid(data)
    if bad is not None:
        loc, why = bad
        field = ".".join(map(str, loc)) or "(document)"
        raise ProgramFileError([Problem(name, _line_of(root, loc), f"{field}: {why}")])
    return data, root


def validation_problems(name: str, root: yaml.Node | None, exc: ValidationError) -> list[Problem]:
    out = []
    for err in exc.errors():
        loc = [p for p in err["loc"] if isinstance(p, str | int)]
        where = ".".join(map(str, loc)) or "(top level)"
        # Our own validators' messages read better without Pydantic's "Value error, ".
        msg = str(err["ctx"]["error"]) if err["type"] == "value_error" else err["msg"]
        out.append(Problem(name, _line_of(root, loc), f"{where}: {msg}"))
    return out
