"""Whether a run now would change nothing: `indicators run` then launches none.

A run that takes no file and builds nothing new still costs seconds in Dagster alone (the
run records a planned event for each of ~270 assets and checks), so the one-shot command
looks first, the way `make` says there is nothing to be done.
"""

from __future__ import annotations

import duckdb

from orchestration.build.build_inputs import LastBuild, check_build
from orchestration.defs.resources import WarehouseResource
from orchestration.load.raw_store import RawStore


def published_build_if_current(warehouse: WarehouseResource, as_of: str) -> LastBuild | None:
    """The published build when no file waits in intake/, every archived delivery is
    recorded, and a build's inputs (raw tables, project sources, as-of date) equal those of
    the build and of the snapshot. None otherwise, or while another run holds the warehouse
    (its result is not known yet)."""
    with warehouse.writer_lock_if_free() as free:
        if not free or _files_waiting(warehouse):
            return None
        try:
            con = duckdb.connect(str(warehouse.build_db), read_only=True)
        except duckdb.Error:
            return None  # missing or unreadable: a run makes or repairs it
        try:
            recorded = RawStore(con, {}).recorded_delivery_ids()
            if warehouse.archive.delivery_ids() - recorded:
                return None  # archived by a run that stopped before loading them
            check = check_build(con, warehouse.published_db, as_of)
        except duckdb.CatalogException:
            return None  # no raw tables yet
        finally:
            con.close()
    return check.published if check.unchanged else None


def _files_waiting(warehouse: WarehouseResource) -> bool:
    """A file to take, or an entry to refuse not yet answered (a link, a folder): what
    the intake sensor starts a run for."""
    from orchestration.contract.reference import load_reference
    from orchestration.intake.folders import scan_intake
    from orchestration.intake.refusals import unanswered

    waiting, refused = scan_intake(warehouse.intake_root, list(load_reference().departments))
    return bool(waiting or unanswered(refused, warehouse.outbox_root))
