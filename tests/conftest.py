"""Shared fixtures. Tests that need ../shared/fixtures skip with a reason when it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from workbench.store import Store

pytest.register_assert_rewrite("pilot")

ROOT = Path(__file__).resolve().parent.parent
SHARED_FIXTURES = ROOT.parent / "shared" / "fixtures"


@pytest.fixture
def fixtures() -> Path:
    """The shared real-world fixtures; the test is skipped on a clone without them."""
    if not SHARED_FIXTURES.is_dir():
        pytest.skip(f"{NO_FIXTURES} (real-data fixtures are not part of the clone)")
    return SHARED_FIXTURES


@pytest.fixture
def real(fixtures: Path) -> Path:
    return fixtures / "real"


ENGINES = ("sqlite", "postgresql")


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "both_engines: run the test's `store` on a project file and on PostgreSQL")
    config.addinivalue_line(
        "markers", "sqlite_only(reason): in a both_engines module, a test of the project file itself (SQLite only)"
    )


def pytest_generate_tests(metafunc) -> None:
    """A test marked ``both_engines`` (or in a module so marked) that uses ``store`` runs twice: on a
    project file and on a fresh team database of the session's PostgreSQL cluster (as its lead)."""
    only_sqlite = metafunc.definition.get_closest_marker("sqlite_only")
    if "engine" in metafunc.fixturenames and metafunc.definition.get_closest_marker("both_engines") and not only_sqlite:
        metafunc.parametrize("engine", ENGINES)


NO_FIXTURES = "../shared/fixtures is absent"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """With WORKBENCH_REQUIRE_POSTGRES=1 (CI), a PostgreSQL test that skipped failed: whatever skipped
    it (no server, a missing module, a skip in the test), CI never passes without the team engine.
    Only the shared real-data fixtures may be absent, on both engines alike."""
    outcome = yield
    report = outcome.get_result()
    if not report.skipped or os.environ.get("WORKBENCH_REQUIRE_POSTGRES") != "1":
        return
    params = getattr(getattr(item, "callspec", None), "params", {})
    on_postgres = params.get("engine") == "postgresql" or "pg_cluster" in getattr(item, "fixturenames", ())
    reason = str(report.longrepr[2]) if isinstance(report.longrepr, tuple) else str(report.longrepr)
    if on_postgres and NO_FIXTURES not in reason and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"WORKBENCH_REQUIRE_POSTGRES=1 but this PostgreSQL test skipped: {reason}"


@pytest.fixture
def engine() -> str:
    return "sqlite"


@pytest.fixture
def team_url(request, engine: str):
    """A fresh team database (a copy of one made by `server init`, see ``pg_template``) as its lead's
    URL, or None on SQLite."""
    if engine != "postgresql":
        yield None
        return
    cluster, template, lead = request.getfixturevalue("pg_template")
    name = cluster.create_database(template=template)
    yield cluster.url(name, user=lead)
    cluster.drop_database(name)


@pytest.fixture
def location(tmp_path: Path, team_url) -> str:
    """Where the test's project is, as `--project` or WORKBENCH_PROJECT takes it: a file, or the team
    database's URL. The `store` fixture opens the same project."""
    return team_url or str(tmp_path / "project.db")


@pytest.fixture
def store(location: str):
    s = Store.open(location, create=True)
    yield s
    s.close()


class NewProjects:
    """Makes a fresh project on the test's engine per call (a property test's examples): its location,
    a file or the lead's URL of a copy of the template database. ``drop()`` drops the databases made
    so far (each example's, once it is checked); the rest go at the end of the test."""

    def __init__(self, engine: str, tmp_path: Path, request) -> None:
        self.engine, self.tmp_path, self.request = engine, tmp_path, request
        self.made: list[str] = []
        self.count = 0

    def __call__(self) -> str:
        self.count += 1
        if self.engine != "postgresql":
            return str(self.tmp_path / f"project-{self.count}.db")
        cluster, template, lead = self.request.getfixturevalue("pg_template")
        self.made.append(cluster.create_database(template=template))
        return cluster.url(self.made[-1], user=lead)

    def drop(self) -> None:
        while self.made:
            self.request.getfixturevalue("pg_cluster").drop_database(self.made.pop())


@pytest.fixture
def new_project(request, engine: str, tmp_path: Path):
    projects = NewProjects(engine, tmp_path, request)
    yield projects
    projects.drop()


@pytest.fixture(scope="session")
def _built_projects() -> dict:
    return {}


@pytest.fixture
def built_project(request, engine: str, tmp_path: Path, tmp_path_factory, _built_projects: dict):
    """``built_project(key, build)``: a fresh copy of a project that ``build(store)`` filled once per
    session and engine (a file copied, or a team database copied as a template): for tests that each
    need, say, the whole sample study, built once."""
    import shutil

    made: list[str] = []

    def make(key: str, build) -> str:
        if (engine, key) not in _built_projects:
            if engine == "postgresql":
                cluster, template, lead = request.getfixturevalue("pg_template")
                name = cluster.create_database(template=template)
                where = cluster.url(name, user=lead)
                _built_projects[engine, key] = name
            else:
                where = str(tmp_path_factory.mktemp(key) / f"{key}.db")
                _built_projects[engine, key] = where
            store = Store.open(where, create=True)
            try:
                build(store)
            finally:
                store.close()
        source = _built_projects[engine, key]
        if engine != "postgresql":
            shutil.copy(source, tmp_path / f"{key}.db")
            return str(tmp_path / f"{key}.db")
        cluster, _, lead = request.getfixturevalue("pg_template")
        made.append(cluster.create_database(template=source))
        return cluster.url(made[-1], user=lead)

    yield make
    for name in made:
        request.getfixturevalue("pg_cluster").drop_database(name)


@pytest.fixture
def codebook_path() -> Path:
    return ROOT / "codebooks" / "partnerships.yaml"


# -- a project with one interview, for the tests that drive the app (steps in tests/pilot.py) ----------

INTERVIEW = (
    "---\nsite: Riverbend Family Medicine\nparticipant: RB-01\nrole: administrator\n---\n"
    "Interviewer: What gets in the way?\n\n"
    "Carol: Time, mostly. Everybody is seeing patients back to back. There is no hour in the week.\n\n"
    "Interviewer: And money?\n\nCarol: Money too. The grant ended in June.\n"
)


@pytest.fixture
def one_transcript(tmp_path: Path, codebook_path: Path, team_url):
    """Makes the project file ``p.db`` with one transcript imported from ``name`` (``text``, by
    default a short interview of four turns), the partnerships codebook (unless ``codebook`` is
    false) and ``coding``, (quote, code path, coder) triples, applied; returns its path."""
    from workbench.coding import add_segment, find_quote, resolve_code
    from workbench.project import import_codebook, import_transcripts

    def make(
        text: str = INTERVIEW,
        *,
        name: str = "rb-01.txt",
        codebook: bool = True,
        coding: tuple[tuple[str, str, str], ...] = (),
    ) -> Path:
        path = team_url or tmp_path / "p.db"  # a team database for the tests marked both_engines
        store = Store.open(path, create=True)
        try:
            source = tmp_path / name
            source.write_text(text)
            import_transcripts(store, [source])
            if codebook:
                import_codebook(store, codebook_path)
            full = store.transcript_text(1) or ""
            for quote, code, coder in coding:
                start, end = find_quote(full, quote)
                add_segment(
                    store, transcript_id=1, code_id=resolve_code(store, code).id, coder=coder, start=start, end=end
                )
        finally:
            store.close()
        return path

    return make


@pytest.fixture(scope="session")
def pg_cluster():
    """A throwaway PostgreSQL cluster for the whole session (see tests/pgcluster.py). Skipped when no
    server binary is installed, unless WORKBENCH_REQUIRE_POSTGRES=1 (CI), where that is a failure."""
    from pgcluster import Cluster, NoServer

    try:
        cluster = Cluster()
    except NoServer as exc:
        if os.environ.get("WORKBENCH_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"WORKBENCH_REQUIRE_POSTGRES=1 but {exc}", pytrace=False)
        pytest.skip(str(exc))
    try:
        cluster.start()
    except Exception:
        cluster.stop()
        raise
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def pg_template(pg_cluster):
    """(cluster, template database, lead): one database made by `server init` for the session; each
    both-engine test gets a copy of it (CREATE DATABASE ... TEMPLATE, several times faster than the
    migrations). The copies share the template's group roles and lead, so a test that adds coders or
    changes roles makes its own database with ``pg_database`` and `server init` instead."""
    from workbench.store.postgres import team

    name, lead = "wb_template", "wb_lead"
    with pg_cluster.connect() as cx:
        cx.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    team.init_server(pg_cluster.url(name), lead=lead)
    return pg_cluster, name, lead


@pytest.fixture
def pg_database(pg_cluster):
    """A fresh, empty database in the session's cluster, dropped after the test."""
    name = pg_cluster.create_database()
    yield name
    pg_cluster.drop_database(name)
