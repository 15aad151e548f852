"""`workbench copy`: a whole project from a file to a team database and back, losslessly."""

from __future__ import annotations

import re
import zipfile

from click.testing import CliRunner

from workbench.cli import cli
from workbench.refi_export import export_qdpx
from workbench.sample import build_demo
from workbench.store import Store
from workbench.store.postgres import team


def run(*args: str):
    return CliRunner().invoke(cli, list(args), obj={})


def qde(store, path) -> str:
    export_qdpx(store, path)
    text = zipfile.ZipFile(path).read("project.qde").decode()
    return re.sub(r'creationDateTime="[^"]*"', "", text, count=1)  # the export's own time stamp, if any


def everything(store) -> tuple:
    return (
        store.audit_entries(limit=10**6),
        store.segments(),
        store.memos(),
        store.decisions(),
        store.links(),
        store.framework_summaries(),
        sorted(store.key_quote_ids()),
        store.codes(),
        store.transcripts(),
        store.rounds(),
        {t: store.guids(t) for t in store.GUID_TABLES},
    )


def test_demo_file_to_team_database_and_back_is_lossless(pg_cluster, pg_database, tmp_path):
    lead = f"lead_{pg_database}"
    team.init_server(pg_cluster.url(pg_database), lead=lead)
    url = pg_cluster.url(pg_database, user=lead)
    first = Store.open(tmp_path / "demo.db", create=True)
    build_demo(first)
    with first.transaction():
        first.ensure_guids()
        first.insert_round("second pass", "after the codebook meeting", "maria")
    first.close()

    result = run("copy", str(tmp_path / "demo.db"), url)
    assert result.exit_code == 0, result.output
    assert "transcripts" in result.output
    result = run("copy", url, str(tmp_path / "back.db"))
    assert result.exit_code == 0, result.output

    stores = [Store.open(tmp_path / "demo.db"), Store.open(url), Store.open(tmp_path / "back.db")]
    try:
        exports = [qde(s, tmp_path / f"{i}.qdpx") for i, s in enumerate(stores)]
        assert exports[0] == exports[1] == exports[2]
        assert len(re.findall(r"<PlainTextSelection", exports[0])) == len(stores[0].segments()) > 100
        states = [everything(s) for s in stores]
        assert len(states[0][0]) > 100  # the audit log came along, entry by entry
        assert states[0] == states[1] == states[2]
        hits = [[(h.turn_id, h.transcript_id) for h in s.search_turns("partner*")] for s in stores]
        assert hits[0] and hits[0] == hits[1] == hits[2]  # the search index was rebuilt on each side
        with stores[1].transaction():  # new rows continue after the copied ids
            new_site = stores[1].site_id("A new site")
        assert new_site > max(site.id for site in stores[0].sites())
    finally:
        for s in stores:
            s.close()


def test_copy_refuses_a_destination_that_is_not_empty_and_leaves_nothing(pg_cluster, pg_database, tmp_path):
    lead = f"lead_{pg_database}"
    team.init_server(pg_cluster.url(pg_database), lead=lead)
    team.add_coder(pg_cluster.url(pg_database), f"coder_{pg_database}")
    url = pg_cluster.url(pg_database, user=lead)
    demo = Store.open(tmp_path / "demo.db", create=True)
    build_demo(demo)
    demo.close()
    assert run("copy", str(tmp_path / "demo.db"), url).exit_code == 0
    again = run("copy", str(tmp_path / "demo.db"), url)
    assert again.exit_code == 1 and "not empty" in again.output
    coder = run("copy", pg_cluster.url(pg_database, user=f"coder_{pg_database}"), str(tmp_path / "mine.db"))
    assert coder.exit_code == 1 and "not allowed" in coder.output
    assert not (tmp_path / "mine.db").exists()  # nothing of a refused copy is left behind
    exists = run("copy", url, str(tmp_path / "demo.db"))
    assert exists.exit_code == 1 and "already exists" in exists.output
