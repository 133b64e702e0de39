"""Check the audit chain, and name what was done to it and the first event it touched.

Each event is checked on its own (is its hash the audit key's HMAC of its content at its
seq?) and against its neighbour (does its ``prev_hash`` link to the event before it?). An
event that fails the first check is tried at nearby seqs: if it is authentic there, it was
renumbered, which tells a reorder from a deletion or insertion that was papered over by
renumbering. An event that is authentic nowhere was edited or forged, and one whose
successor links past it to the event before it was inserted. The head row must exist and
agree with the last event; the truncation of the tail together with the head is caught by a
checkpoint (checkpoint.py), which is kept outside the database.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import dataclass, field

from talentvisa.audit.hashing import GENESIS, canonical, plain_hash, seal
from talentvisa.audit.keys import AuditKey
from talentvisa.audit.models import AuditEvent, AuditHead

MAX_PROBLEMS = 20
# How far from its seq a renumbered event is looked for: deletions or insertions of up to
# this many events in one place are named as such; larger ones still fail, as edits.
RENUMBER_WINDOW = 64
# Each wide search costs up to 2 * RENUMBER_WINDOW HMACs; past this many (a chain rewritten
# wholesale), only the current renumbering is tried, so verify stays linear.
WIDE_SEARCHES = 200


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    events: int
    problems: list[str]
    first_bad: int | None = None
    unkeyed: int = 0
    last_seq: int = 0
    last_hash: str = GENESIS


@dataclass
class _Finding:
    first: int
    last: int
    kind: str
    message: str

    def text(self) -> str:
        if self.last == self.first:
            return self.message
        return f"{self.message} (and likewise events {self.first + 1}..{self.last})"


@dataclass
class _Findings:
    items: list[_Finding] = field(default_factory=list)
    more: int = 0

    @property
    def full(self) -> bool:
        return len(self.items) >= MAX_PROBLEMS

    def add(self, seq: int, kind: str, message: str) -> None:
        last = self.items[-1] if self.items else None
        if last is not None and last.kind == kind and kind != "other" and last.last == seq - 1:
            last.last = seq  # one message for a run of events forged the same way
        elif self.full:
            self.more += 1
        else:
            self.items.append(_Finding(seq, seq, kind, message))

    def replace_last(self, seq: int, kind: str, message: str) -> None:
        if self.items and self.items[-1].last == seq:
            if self.items[-1].first == seq:
                self.items.pop()
            else:
                self.items[-1].last = seq - 1
        self.add(seq, kind, message)

    def problems(self) -> list[str]:
        lines = [f.text() for f in self.items]
        if self.more:
            lines.append(f"... and {self.more} more problem(s)")
        return lines


def _describe(e: AuditEvent) -> str:
    return f"event {e.seq} ({e.action} {e.entity_type} {e.entity_id})"


@dataclass(frozen=True)
class _Checker:
    key: AuditKey
    keyed_from: int

    def body(self, e: AuditEvent, seq: int) -> bytes:
        return canonical(
            seq, e.at, e.actor_id, e.entity_type, e.entity_id, e.action, e.data, e.prev_hash
        )

    def authentic(self, e: AuditEvent, seq: int) -> bool:
        body = self.body(e, seq)
        if hmac.compare_digest(self.key.mac(body), e.hash):
            return True
        # Plain SHA-256 only below the boundary: anyone can compute it.
        return seq < self.keyed_from and hmac.compare_digest(plain_hash(body), e.hash)

    def written_as(self, e: AuditEvent, shift: int, wide: bool) -> int | None:
        """The seq at which `e` is authentic, trying the current renumbering first."""
        tries = [e.seq + shift] if shift else []
        for d in range(1, RENUMBER_WINDOW + 1 if wide else 1):
            tries += [e.seq + d, e.seq - d]
        return next((s for s in tries if s >= 1 and self.authentic(e, s)), None)

    def why_forged(self, e: AuditEvent) -> tuple[str, str]:
        if e.seq >= self.keyed_from and plain_hash(self.body(e, e.seq)) == e.hash:
            return "unkeyed", (
                f"{_describe(e)} was rewritten without the audit key: it carries a plain "
                f"SHA-256 hash, but events from {self.keyed_from} on are keyed"
            )
        if e.key_id and e.key_id != self.key.key_id:
            return "other-key", (
                f"{_describe(e)} was edited, or written with another audit key "
                f"(its key id {e.key_id}; this key is {self.key.key_id})"
            )
        return "edited", f"{_describe(e)} was edited: its hash does not match its content"


def verify_events(
    events: Sequence[AuditEvent], head: AuditHead | None, key: AuditKey
) -> ChainReport:
    keyed_from = head.keyed_from if head is not None else 1
    check = _Checker(key, keyed_from)
    found = _Findings()
    by_hash = {e.hash: e for e in events}
    prev: AuditEvent | None = None
    before_prev_hash = GENESIS
    prev_bad = prev_forged = False
    shift = searches = 0
    for e in events:
        expected = prev.seq + 1 if prev is not None else 1
        prev_hash = prev.hash if prev is not None else GENESIS
        linked = e.prev_hash == prev_hash
        if found.full:  # enough named: only count what else is wrong
            bad = not linked or not check.authentic(e, e.seq) or e.seq != expected
            if bad:
                found.more += 1
            prev, before_prev_hash, prev_bad, prev_forged = e, prev_hash, bad, bad
            continue
        gap = e.seq != expected
        if gap:
            found.add(
                expected,
                "other",
                f"event(s) {expected}..{e.seq - 1} are missing: deleted between "
                f"event {expected - 1} and event {e.seq}",
            )
        inserted = not linked and prev_forged and e.prev_hash == before_prev_hash
        if inserted and prev is not None:
            found.replace_last(
                prev.seq,
                "other",
                f"{_describe(prev)} was inserted: event {e.seq} links past it to "
                + (f"event {prev.seq - 1}" if prev.seq > 1 else "the start of the chain"),
            )
        bad = forged = False
        if not check.authentic(e, e.seq):
            bad = True
            written = check.written_as(e, shift, wide=searches < WIDE_SEARCHES)
            searches += 1
            if written is None:
                forged = True
                found.add(e.seq, *check.why_forged(e))
            else:
                new_shift = written - e.seq
                earlier = by_hash.get(e.prev_hash)
                if (linked and new_shift == shift) or inserted:
                    pass  # renumbered along with the run of events named already
                elif earlier is not None and earlier is not prev:
                    found.add(
                        e.seq,
                        "other",
                        f"event {e.seq}: holds the record written as event {written}: "
                        "events were reordered",
                    )
                elif new_shift > 0 and earlier is None:
                    found.add(
                        e.seq,
                        "other",
                        f"event(s) {e.seq}..{written - 1} were deleted and the events after "
                        f"them renumbered to close the gap: event {e.seq} was written as "
                        f"event {written}",
                    )
                else:
                    found.add(
                        e.seq, "other", f"event {e.seq}: renumbered; it was written as {written}"
                    )
                shift = new_shift
        else:
            shift = 0
        if not linked and not gap and not inserted and not bad and not prev_bad:
            why = (
                f": events 1..{e.seq - 1}, hashed before keying, were rewritten"
                if e.seq == keyed_from
                else ""
            )
            found.add(
                e.seq,
                "other",
                f"event {e.seq}: prev_hash does not match the hash of event {expected - 1}{why}",
            )
        prev, before_prev_hash, prev_bad, prev_forged = e, prev_hash, bad, forged
    last_seq = prev.seq if prev is not None else 0
    last_hash = prev.hash if prev is not None else GENESIS
    _check_head(head, last_seq, last_hash, events, key, found)
    firsts = [f.first for f in found.items]
    return ChainReport(
        ok=not found.items and not found.more,
        events=len(events),
        problems=found.problems(),
        first_bad=min(firsts) if firsts else None,
        unkeyed=sum(1 for e in events if e.seq < keyed_from),
        last_seq=last_seq,
        last_hash=last_hash,
    )


def _check_head(
    head: AuditHead | None,
    last_seq: int,
    last_hash: str,
    events: Sequence[AuditEvent],
    key: AuditKey,
    found: _Findings,
) -> None:
    if head is None:
        found.add(
            last_seq + 1,
            "other",
            f"the audit head row is missing: it was deleted, and events after event {last_seq} "
            "may have been deleted with it (check against a checkpoint)",
        )
        return
    if head.seq > last_seq:
        found.add(
            last_seq + 1,
            "other",
            f"event(s) {last_seq + 1}..{head.seq} are missing: the chain ends at event "
            f"{last_seq} but the head records event {head.seq}: events were deleted from the end",
        )
    elif head.seq < last_seq:
        found.add(
            head.seq + 1,
            "other",
            f"event(s) {head.seq + 1}..{last_seq} lie beyond the head (event {head.seq}): "
            "written past the service, or the head was moved back",
        )
    elif head.hash != last_hash:
        found.add(
            last_seq,
            "other",
            f"event {last_seq}: its hash differs from the head's: the last event was replaced",
        )
    if head.seal is None:
        if any(e.seq >= head.keyed_from for e in events):
            found.add(
                head.keyed_from,
                "other",
                f"the head's seal is missing, yet events from {head.keyed_from} on exist: "
                "the keying boundary was reset",
            )
    elif not hmac.compare_digest(head.seal, seal(key, head.keyed_from)):
        found.add(
            head.keyed_from,
            "other",
            f"the head's keyed_from ({head.keyed_from}) does not carry the audit key's seal: "
            "the boundary was moved, or this is not the key that wrote the trail",
        )
