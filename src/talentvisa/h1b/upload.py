"""An employer's CSV of registrations: every row checked as a single registration is.

Format: UTF-8 CSV, a header naming the fields of ``RegistrationIn`` (any order;
``given_name`` may be left out), one registration per line. The upload is **all or nothing**:
one bad row refuses the whole file, and the answer names every bad row by its line (1 = the
header) and field, the first :data:`MAX_REPORTED` of them, so a corrected file can be sent
again as a whole. Nothing is half-registered, and a second attempt never meets rows the first
one left behind.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from pydantic import TypeAdapter, ValidationError

from talentvisa.h1b.schemas import RegistrationIn

FIELDS = tuple(RegistrationIn.model_fields)
OPTIONAL = ("given_name",)
#: One upload's rows: the service's bound on one request's work (a choice, not a rule of
#: law); a national load is many uploads.
MAX_ROWS = 50_000
MAX_REPORTED = 25
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ROWS = TypeAdapter(list[RegistrationIn])


class UploadError(ValueError):
    """Rows that cannot be registered; ``problems`` holds one line-numbered message each."""

    def __init__(self, problems: list[str]) -> None:
        shown = problems[:MAX_REPORTED]
        more = len(problems) - len(shown)
        super().__init__("\n".join(shown) + (f"\n... and {more} more" if more > 0 else ""))
        self.problems = problems


@dataclass(frozen=True)
class Row:
    line: int
    registration: RegistrationIn


def refuse(problems: list[tuple[int, str]]) -> UploadError:
    return UploadError([p for _, p in sorted(problems)])


def read(data: bytes, source: str = "registrations.csv") -> list[Row]:
    """The file's registrations, each validated as the single-registration API validates it."""
    lines, records, problems = _records(data, source)
    try:
        regs = _ROWS.validate_python(records)
    except ValidationError as exc:
        for e in exc.errors(include_url=False):
            index, *field = e["loc"]
            line = lines[int(index)]
            name = ".".join(str(f) for f in field) or "row"
            problems.append((line, f"{source}:{line}: {name}: {e['msg']}"))
        raise refuse(problems) from None
    if problems:
        raise refuse(problems)
    return [Row(line, r) for line, r in zip(lines, regs, strict=True)]


def _records(
    data: bytes, source: str
) -> tuple[list[int], list[dict[str, str]], list[tuple[int, str]]]:
    """Each row's line and its non-empty fields; a field left empty counts as not given."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UploadError([f"{source}: not UTF-8 (byte {exc.start})"]) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise UploadError(
            [f"{source}:1: empty file; the first line must name the columns"]
        ) from None
    except csv.Error as exc:
        raise UploadError([f"{source}:1: not CSV ({exc})"]) from None
    unknown = [c for c in header if c not in FIELDS]
    missing = [c for c in FIELDS if c not in header and c not in OPTIONAL]
    repeated = sorted({c for c in header if header.count(c) > 1})
    if unknown or missing or repeated:
        said = [f"missing column(s): {', '.join(missing)}"] if missing else []
        said += [f"unknown column(s): {', '.join(unknown)}"] if unknown else []
        said += [f"repeated column(s): {', '.join(repeated)}"] if repeated else []
        raise UploadError([f"{source}:1: {'; '.join(said)}"])
    lines: list[int] = []
    records: list[dict[str, str]] = []
    problems: list[tuple[int, str]] = []
    try:
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue  # a blank line, as spreadsheets write at the end
            if len(records) >= MAX_ROWS:
                raise UploadError(
                    [f"{source}:{line}: more than {MAX_ROWS} registrations; send several files"]
                )
            if len(cells) != len(header):
                problems.append(
                    (line, f"{source}:{line}: {len(cells)} fields, the header names {len(header)}")
                )
                continue
            bad = [n for n, c in zip(header, cells, strict=True) if CONTROL.search(c)]
            for name in bad:
                problems.append((line, f"{source}:{line}: {name}: holds a control character"))
            if bad:
                continue
            lines.append(line)
            records.append({k: v.strip() for k, v in zip(header, cells, strict=True) if v.strip()})
    except csv.Error as exc:
        raise UploadError([f"{source}:{reader.line_num}: not CSV ({exc})"]) from None
    if not records and not problems:
        raise UploadError([f"{source}:2: no registrations after the header"])
    return lines, records, problems
