"""The season-sized reads and writes (h1b/bulk.py) agree with the ORM, on SQLite and PostgreSQL.

PostgreSQL reads a season packed many rows to a value and writes statuses from a staged COPY;
both must give what reading and writing the rows one by one would.
"""

from __future__ import annotations

import polars as pl
from sqlalchemy import select

from talentvisa.auth.models import Role
from talentvisa.db.engine import session_factory, transaction
from talentvisa.h1b import bulk, service
from talentvisa.h1b.models import Registration
from tests.api.fixtures import Server
from tests.h1b.test_http_bulk import open_season
from tests.h1b.test_http_races import registration

#: Values the packed read's separators and its NULL marker must leave as they are.
AWKWARD = [
    {"family_name": 'O"Brien, Jr.', "worksite": "Austin, TX; Suite 5"},
    {"family_name": "张", "given_name": "伟", "worksite": "Zürich\\Ost"},
    {"given_name": ""},
    {"us_advanced_degree": False, "wage_level": 4},
]


def test_the_season_frame_is_the_orms_rows_and_statuses_land_on_their_rows(
    server: Server,
) -> None:
    _, admin = server.user(Role.admin)
    _, employer = server.user(Role.employer)
    season = "FY2044"
    open_season(server, admin, season)
    with server.client(employer) as c:
        for n, change in enumerate(AWKWARD * 30):
            r = c.post(f"/seasons/{season}/registrations", json=registration(f"K{n:07d}", **change))
            assert r.status_code == 201, r.text

    with transaction(session_factory(server.engine)) as s:
        record = service.season_named(s, season)
        packed = service.season_frame(s, record)
        one_by_one = service._frame(service.registrations_of(s, record)).with_columns(
            pl.col("given_name").fill_null("")
        )
        assert packed.height == 120 and packed.equals(one_by_one)
        assert packed.filter(pl.col("family_name") == 'O"Brien, Jr.').height == 30
        assert (packed["given_name"] == "").sum() == 30

        ids = packed["registration_id"].to_list()
        outcome = pl.DataFrame(
            {"id": ids, "status": ["selected" if i % 3 else "not_selected" for i in range(120)]}
        )
        table = Registration.__table__
        # Twice in one transaction, as a draw and a further round: the staging is per call.
        for flip in (False, True):
            if flip:
                outcome = outcome.with_columns(
                    pl.when(pl.col("status") == "selected")
                    .then(pl.lit("not_selected"))
                    .otherwise(pl.lit("selected"))
                    .alias("status")
                )
            bulk.set_from(s, table, "id", outcome)  # type: ignore[arg-type]
            stored = {i: st for i, st in s.execute(select(Registration.id, Registration.status))}
            assert stored == dict(zip(ids, outcome["status"].to_list(), strict=True))
