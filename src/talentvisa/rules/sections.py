"""The Profile's country sections, generated from the fact declarations' `from:` paths.

A country folder whose facts.yaml names a `section.key` gets a Profile part of that name: each
fact read from ``<key>.<path>`` becomes a field (nested paths make nested models), typed by the
fact's type, with its bounds and allowed values. Paths into the shared parts of the Profile
(degrees, job_offer, family...) are checked to exist there, so a typo is a load error naming
the facts.yaml line, not a fact that is silently always unknown.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from enum import Enum, StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from talentvisa.rules.bounds import INT64_MAX, LIST_MAX, Amount, Short
from talentvisa.rules.declarations import Declarations, FactDecl
from talentvisa.rules.yamlfile import Problem, ProgramFileError

#: A section's tree: a field name -> the fact read there, or a nested part.
Tree = dict[str, "FactDecl | Tree"]


def camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def enum_of(f: FactDecl, module: str) -> type[StrEnum]:
    made = StrEnum(camel(f.name), [(v, v) for v in f.values], module=module)  # type: ignore[misc]
    return typing.cast(type[StrEnum], made)


def _bound(f: FactDecl, value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if f.type == "int" and value == int(value) else value


def limits(f: FactDecl) -> dict[str, Any]:
    """The fact's bounds as Field arguments (``ge``, ``le``)."""
    pairs = (("ge", _bound(f, f.min)), ("le", _bound(f, f.max)))
    return {k: v for k, v in pairs if v is not None}


def annotation(f: FactDecl, module: str, made: dict[str, type]) -> Any:
    """The type of the Profile field a fact is read from (bounds go on the field)."""
    if f.type == "enum":
        made[camel(f.name)] = enum = enum_of(f, module)
        return enum
    return {
        "bool": bool,
        "int": Annotated[int, Field(ge=-INT64_MAX, le=INT64_MAX)],
        "float": Amount,
        "date": dt.date,
        "str": Short,
        "list": Annotated[list[Short], Field(max_length=LIST_MAX)],
    }[f.type]


class SectionModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _model(name: str, tree: Tree, module: str, made: dict[str, type], doc: str) -> type:
    fields: dict[str, Any] = {}
    for key, item in tree.items():
        if isinstance(item, dict):
            sub = _model(name + camel(key), item, module, made, f"{doc}: {key}")
            fields[key] = (sub | None, None)
        else:
            text = item.hint or item.label
            field = Field(None, description=text.en, **limits(item))
            fields[key] = (annotation(item, module, made) | None, field)
    model = create_model(name, __base__=SectionModel, __module__=module, **fields)
    model.__doc__ = doc
    made[name] = model
    return model


def section_fields(decls: Declarations, module: str) -> tuple[dict[str, Any], dict[str, type]]:
    """The Profile fields of every section with a key, and each model or enum made, by name."""
    fields: dict[str, Any] = {}
    made: dict[str, type] = {}
    for s in decls.sections:
        if s.key is None:
            continue
        tree: Tree = {}
        for f in s.facts:
            parts = (f.source_path or "").split(".")
            if parts[0] != s.key:
                continue
            node = tree
            for part in parts[1:-1]:
                node = typing.cast(Tree, node.setdefault(part, {}))
            node[parts[-1]] = f
        doc = f"Facts only the programs of {s.title.en} ask about."
        fields[s.key] = (_model(camel(s.key), tree, module, made, doc) | None, None)
    return fields, made


def _unwrap(annotation: Any) -> list[Any]:
    """The types a field may hold, without None, Annotated, lists or dict values."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [t for a in typing.get_args(annotation) for t in _unwrap(a)]
    if origin in (list, dict):
        return _unwrap(typing.get_args(annotation)[-1])
    return [] if annotation is type(None) else [annotation]


def _allowed(types_: list[Any]) -> set[str] | None:
    for t in types_:
        if isinstance(t, type) and issubclass(t, Enum):
            return {str(m.value) for m in t}
        if typing.get_origin(t) is typing.Literal:
            return {str(a) for a in typing.get_args(t)}
    return None


def _resolve(core: type[BaseModel], path: str) -> list[Any]:
    """The types the field at ``path`` of the core Profile may hold; [] if there is none."""
    model: Any = core
    found: list[Any] = []
    for part in path.split("."):
        is_model = isinstance(model, type) and issubclass(model, BaseModel)
        fields = model.model_fields if is_model else {}
        if part not in fields:
            return []
        found = _unwrap(fields[part].annotation)
        model = next((t for t in found if isinstance(t, type)), None)
    return found


def check_paths(decls: Declarations, core: type[BaseModel]) -> None:
    """Every path outside a section (`from:`, `reads:`) exists in the core Profile; an enum read
    from it has the Profile's values."""
    keys = {s.key for s in decls.sections if s.key}
    problems = []
    for f in decls.facts.values():
        paths = [("from", p) for p in [f.source_path] if p] + [("reads", p) for p in f.reads]
        for field, path in paths:
            if path.split(".")[0] in keys or _resolve(core, path):
                continue
            problems.append(
                Problem(
                    f.file,
                    f.line,
                    f"{f.name}.{field}: {path} is not a part of the Profile "
                    "(nor of a country folder's section)",
                )
            )
        found = _resolve(core, f.source_path) if f.source_path else []
        allowed = _allowed(found)
        if f.type == "enum" and allowed is not None and allowed != set(f.values):
            problems.append(
                Problem(
                    f.file,
                    f.line,
                    f"{f.name}.values: the Profile allows {', '.join(sorted(allowed))}",
                )
            )
    if problems:
        raise ProgramFileError(problems)
