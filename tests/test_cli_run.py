"""``govsim run`` end to end through :func:`sim.cli.main`: files, columns, provenance, bad input.

The documented columns are read from docs/outputs.md itself, so the document and the program
cannot drift apart silently.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.cli.main import main
from sim.run.runner import run_scenario
from sim.scenario.loader import validate_data

ROOT = Path(__file__).resolve().parents[1]
STREET = ROOT / "scenarios" / "beijing_street.yaml"
OUTPUTS_MD = ROOT / "docs" / "outputs.md"
FILES = ["cases.parquet", "summary.csv", "resources.csv", "backlog.csv", "grids.csv", "run.json"]


def call(argv: list[str]) -> tuple[int, str, str]:
    """Run the CLI in-process; argparse's own exits (SystemExit) become return codes."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    return code, out.getvalue(), err.getvalue()


def documented_columns() -> dict[str, list[str]]:
    """Column lists per output file, parsed from docs/outputs.md."""
    text = OUTPUTS_MD.read_text(encoding="utf-8")
    sections = re.split(r"^## `([^`]+)`.*$", text, flags=re.M)
    docs: dict[str, list[str]] = {}
    for name, body in zip(sections[1::2], sections[2::2], strict=True):
        rows = [line for line in body.splitlines() if line.startswith("| `")]
        if rows:  # a table: the names in the first cell of each row
            docs[name] = [n for row in rows for n in re.findall(r"`([^`]+)`", row.split("|")[1])]
        else:  # a backticked, comma-separated list opening the section
            first = re.search(r"`([^`]+)`", body, flags=re.S)
            assert first is not None, f"no column list under {name} in docs/outputs.md"
            names = first.group(1).replace("\n", " ").split(",")
            # drop explanations in brackets: "seeds (per replication)" → "seeds"
            docs[name] = [re.sub(r"\s*\(.*?\)", "", c).strip() for c in names]
    return docs


@pytest.fixture(scope="module")
def docs() -> dict[str, list[str]]:
    found = documented_columns()
    missing = set(FILES) - set(found)
    assert not missing, f"docs/outputs.md has no section for {sorted(missing)}"
    return found


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> tuple[Path, int, str, str]:
    out = tmp_path_factory.mktemp("cli") / "out"
    code, stdout, stderr = call(["run", str(STREET), "--days", "8", "-r", "2", "--out", str(out),
                                 "--no-report", "-q"])
    return out, code, stdout, stderr


def test_run_succeeds_quietly(run_dir) -> None:
    out, code, stdout, stderr = run_dir
    assert code == 0, stderr
    assert stderr == ""  # -q: no progress bar
    n_written = int(re.search(r"wrote (\d+) files", stdout).group(1))
    assert n_written == len(list(out.iterdir()))


def test_all_files_written_and_no_temp_files(run_dir) -> None:
    out = run_dir[0]
    names = sorted(p.name for p in out.iterdir())
    assert set(FILES) <= set(names)
    assert "report.html" not in names  # --no-report
    stray = [n for n in names if n.startswith(".") or n.endswith((".tmp", ".part"))]
    assert not stray, f"temporary files left behind: {stray}"
    assert all((out / n).stat().st_size > 0 for n in FILES)


def test_cases_columns_exactly_as_documented(run_dir, docs) -> None:
    cases = pd.read_parquet(run_dir[0] / "cases.parquet")
    assert list(cases.columns) == docs["cases.parquet"]
    assert set(cases["replication"]) == {0, 1}
    assert set(cases["policy"]) == {"manual+transfer"}
    assert set(cases["channel"]) == {"hotline", "patrol", "sensor"}
    for name in cases.columns:
        if name.startswith("t_") or name.endswith("_h"):
            assert pd.api.types.is_float_dtype(cases[name]), name
    for name in ("whistled", "on_time_response", "on_time_close", "resolved", "satisfied",
                 "flared", "warmup"):
        assert pd.api.types.is_bool_dtype(cases[name]), name
    for rep, group in cases.groupby("replication"):
        assert group["case_id"].is_unique, f"replication {rep}: duplicate case ids"


@pytest.mark.parametrize("name", ["summary.csv", "resources.csv", "backlog.csv", "grids.csv"])
def test_tables_have_the_documented_columns(run_dir, docs, name: str) -> None:
    table = pd.read_csv(run_dir[0] / name)
    missing = [c for c in docs[name] if c not in table.columns]
    assert not missing, f"{name} lacks documented columns {missing}"
    assert len(table) > 0


def test_table_contents(run_dir) -> None:
    out = run_dir[0]
    summary = pd.read_csv(out / "summary.csv")
    assert sorted(summary["replication"]) == [0, 1]
    assert (summary["n_arrived"] == summary["n_closed"] + summary["n_open_end"]).all()
    resources = pd.read_csv(out / "resources.csv")
    assert set(resources["unit_kind"]) <= {"grid", "community", "street", "department",
                                           "hotline", "dispatch"}
    assert (resources["busy_h"] <= 8 * 24.0 + 1e-9).all()
    backlog = pd.read_csv(out / "backlog.csv")
    for _rep, curve in backlog.groupby("replication"):
        assert curve["t_h"].iloc[0] == 0.0 and curve["t_h"].iloc[-1] == pytest.approx(8 * 24.0)
        assert (curve["open_cases"] >= 0).all()
    grids = pd.read_csv(out / "grids.csv")
    assert len(grids) == 30 and grids["grid"].is_unique


def test_run_json_provenance(run_dir, docs) -> None:
    out = run_dir[0]
    meta = json.loads((out / "run.json").read_text(encoding="utf-8"))
    missing = [k for k in docs["run.json"] if k not in meta]
    assert not missing, f"run.json lacks {missing}"
    assert meta["govsim_version"] == sim.__version__
    assert meta["scenario_name"] == "beijing_street"
    assert Path(meta["scenario_file"]) == STREET
    assert meta["replications"] == 2 and meta["days"] == 8.0 and meta["root_seed"] == 0
    assert len(meta["seeds"]) == 2 and len({s for _, s in meta["seeds"]}) == 2
    assert meta["policies"] == ["manual+transfer"]
    datetime.fromisoformat(meta["created_utc"])


def test_run_json_alone_reproduces_the_cases(run_dir, same_frames) -> None:
    """The resolved scenario, seed and days in run.json are enough to rerun bit for bit."""
    out = run_dir[0]
    meta = json.loads((out / "run.json").read_text(encoding="utf-8"))
    scn = validate_data(meta["scenario"], "run.json")
    again = run_scenario(scn, replications=meta["replications"], seed=meta["root_seed"],
                         days=meta["days"])
    written = pd.read_parquet(out / "cases.parquet")
    assert same_frames(again.cases().reset_index(drop=True), written)


# -- bad input ---------------------------------------------------------------------------------
@pytest.mark.parametrize("option", [
    ["--replications", "0"],
    ["-r", "two"],
    ["--days", "-1"],
    ["--days", "0"],
    ["--lang", "fr"],  # once a traceback at the end of the run, after the simulation
    ["--lang", ","],
])
def test_bad_option_values_exit_2_without_traceback(tmp_path, option: list[str]) -> None:
    out = tmp_path / "never"
    code, _stdout, stderr = call(["run", str(STREET), "--out", str(out), "-q", "--no-report",
                                  *option])
    assert code == 2
    assert "Traceback" not in stderr
    assert stderr.strip().splitlines()[-1].startswith("govsim run: error:")
    assert not out.exists()


@pytest.mark.parametrize("policy,needle", [
    ("nonsense+transfer", "nonsense"),
    ("manual+transfer+extra", "dispatch+escalation"),
])
def test_bad_policy_exits_2_with_one_line(tmp_path, policy: str, needle: str) -> None:
    out = tmp_path / "never"
    code, stdout, stderr = call(["run", str(STREET), "--policy", policy, "--out", str(out), "-q",
                                 "--no-report", "--days", "1"])
    assert code == 2
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], stderr
    assert stdout == ""
    assert not out.exists(), "something was written before the input was checked"


def test_days_within_the_warmup_exits_2(tmp_path) -> None:
    """A horizon inside the warm-up would give summaries of no case at all."""
    out = tmp_path / "never"
    code, stdout, stderr = call(["run", str(STREET), "--days", "3", "--out", str(out), "-q",
                                 "--no-report"])
    assert code == 2
    assert "warm-up" in stderr and "Traceback" not in stderr
    assert stdout == "" and not out.exists()


def test_missing_scenario_file_exits_2(tmp_path) -> None:
    code, _stdout, stderr = call(["run", str(tmp_path / "nope.yaml"), "--out",
                                  str(tmp_path / "o"), "-q", "--no-report"])
    assert code == 2
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1
    assert "nope.yaml" in stderr


SHIPPED = sorted((ROOT / "scenarios").rglob("*.yaml"))


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_validate_shipped_scenarios(path: Path) -> None:
    code, stdout, stderr = call(["validate", str(path)])
    assert code == 0, stderr
    assert stdout.strip() == f"{path}: ok"


def test_compare_writes_the_documented_comparison(tmp_path, docs) -> None:
    out = tmp_path / "cmp"
    code, _stdout, stderr = call(["compare", str(STREET), "--policies",
                                 "manual+transfer,manual+whistle", "-r", "3", "--days", "8",
                                 "--out", str(out), "-q", "--no-report"])
    assert code == 0, stderr
    table = pd.read_csv(out / "comparison.csv")
    assert list(table.columns) == docs["comparison.csv"]
    assert set(table["policy"]) == {"manual+whistle"}
    assert set(table["baseline"]) == {"manual+transfer"}
    summary = pd.read_csv(out / "summary.csv")
    assert set(table["metric"]) <= set(summary.columns)
    row = table.set_index("metric").loc["whistles_per_100"]
    assert row["baseline_mean"] == 0 and row["policy_mean"] > 0 and row["n"] == 3


def test_run_with_reports_names_the_chart_folders(tmp_path) -> None:
    out = tmp_path / "rep"
    code, stdout, stderr = call(["run", str(STREET), "--days", "8", "-r", "2", "--out", str(out),
                                 "-q", "--lang", "en,zh"])
    assert code == 0, stderr
    line = next(s for s in stdout.splitlines() if s.startswith("wrote "))
    n_written = int(re.search(r"wrote (\d+) files", line).group(1))
    assert n_written == sum(1 for p in out.iterdir() if p.is_file())
    assert {"report.html", "report.zh.html"} <= {p.name for p in out.iterdir()}
    assert "charts/, charts_zh/" in line
    for folder in ("charts", "charts_zh"):
        names = [p.name for p in (out / folder).iterdir()]
        assert any(n.endswith(".png") for n in names) and any(n.endswith(".svg") for n in names)
