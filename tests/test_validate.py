"""`govsim validate` on good and broken scenario files: exit codes and one clean line per problem.

Every file in ``tests/broken/`` is the minimal scenario of docs/scenario-format.md with one defect.
Its first line says what the validator must report::

    # expect: <path> | <message fragment>

(an empty path for problems of the whole file), and the line that holds the defect ends with
``# <-- here``: the reported ``file:LINE:`` must point there. A file with a ``# known-bug:`` line
is one the validator still accepts (a missing check, see that line): its tests are expected
failures until the check exists, and then hold it to the expectation. Each file is validated
twice: as ``python -m sim.cli validate FILE`` in a subprocess and in-process through
``sim.cli.main``.
"""

from __future__ import annotations

import difflib
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from sim.cli import main as cli
from sim.scenario.loader import load_scenario

REPO = Path(__file__).resolve().parents[1]
BROKEN_DIR = REPO / "tests" / "broken"
BROKEN = sorted(BROKEN_DIR.glob("*.yaml"))
SHIPPED = sorted((REPO / "scenarios").rglob("*.yaml"))
DOC = REPO / "docs" / "scenario-format.md"
MARKER = "# <-- here"
DIST_TAGS = ("exponential", "lognormal", "gamma", "weibull", "triangular", "uniform",
             "deterministic", "empirical")
#: pydantic location parts that are not keys of the file: union tags and dict-key markers
_LOC_ARTEFACT = re.compile(r"\.(?:" + "|".join(DIST_TAGS) + r"|\[key\])(?=$|[.\[])")


@dataclass(frozen=True)
class Expect:
    path: str
    fragment: str


def expectations(path: Path) -> tuple[list[Expect], int | None]:
    """The ``# expect:`` lines of a broken file and the 1-based line marked ``# <-- here``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    expects = []
    for line in lines:
        if line.startswith("# expect:"):
            where, sep, fragment = line.removeprefix("# expect:").partition("|")
            assert sep, f"{path.name}: '# expect: <path> | <fragment>' needs a '|'"
            expects.append(Expect(where.strip(), fragment.strip()))
    marked = [i + 1 for i, line in enumerate(lines) if line.rstrip().endswith(MARKER)]
    assert len(marked) <= 1, f"{path.name}: more than one {MARKER!r}"
    return expects, (marked[0] if marked else None)


def known_bug(path: Path) -> str | None:
    for line in path.read_text(encoding="utf-8").splitlines()[:4]:
        if line.startswith("# known-bug:"):
            return line.removeprefix("# known-bug:").strip()
    return None


def run_subprocess(*files: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "sim.cli", "validate", *files],
        cwd=REPO, capture_output=True, text=True, encoding="utf-8", timeout=120, env=env,
    )


def run_in_process(capsys: pytest.CaptureFixture[str], *files: str) -> tuple[int, str, str]:
    code = cli.main(["validate", *files])
    out, err = capsys.readouterr()
    return code, out, err


def split_line(name: str, line: str) -> tuple[int | None, str]:
    """``NAME:LINE: BODY`` or ``NAME: BODY`` → (line or None, body)."""
    assert line.startswith(f"{name}:"), f"line does not start with the file name: {line!r}"
    m = re.match(r":(?:(\d+):)? (.*)$", line[len(name):])
    assert m, f"not 'file:LINE: path: message': {line!r}"
    return (int(m.group(1)) if m.group(1) else None), m.group(2)


def check_report(name: str, code: int, out: str, err: str, broken: Path) -> None:
    """Everything a report on one broken file must satisfy (see the module docstring)."""
    expects, marked = expectations(broken)
    assert expects, f"{broken.name} has no '# expect:' line"
    bug = known_bug(broken)
    if bug is not None and code == 0:
        pytest.xfail(bug)
    assert code == 2, f"exit code {code}, stderr: {err}"
    assert "Traceback" not in out + err
    assert out == "", f"stdout must stay empty for a bad file, got {out!r}"
    lines = err.splitlines()
    assert len(lines) == len(expects), f"one line per problem expected, got:\n{err}"
    known_bugs: list[str] = []
    for expect, line in zip(expects, lines, strict=True):
        number, body = split_line(name, line)
        if expect.path:
            if not body.startswith(f"{expect.path}: "):
                reported = body.split(": ", 1)[0]
                assert _LOC_ARTEFACT.sub("", reported) == expect.path, (
                    f"expected path {expect.path!r} in {line!r}"
                )
                known_bugs.append(
                    f"loader keeps pydantic's union tag or '[key]' in the path ({reported!r})"
                )
                body = f"{expect.path}: {body.split(': ', 1)[1]}"
            message = body[len(expect.path) + 2:]
        else:
            message = body
        assert expect.fragment in message, f"expected {expect.fragment!r} in {line!r}"
        assert number is not None, f"no line number in {line!r}"
        if marked is not None:
            assert number == marked, f"reported line {number}, the defect is on {marked}: {line!r}"
    if known_bugs:
        pytest.xfail("; ".join(known_bugs))


# -- the broken corpus ----------------------------------------------------------------------


def test_corpus_is_complete() -> None:
    assert len(BROKEN) >= 20
    for path in BROKEN:
        expects, _ = expectations(path)
        assert len(expects) >= 1, path.name
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# expect:"), f"{path.name}: line 1 must be '# expect: …'"


def _content_lines(text: str) -> list[str]:
    """Lines without comments, for comparing a broken file with the minimal example."""
    return [re.sub(r"\s+#.*$", "", line).rstrip() for line in text.splitlines()
            if not line.lstrip().startswith("#")]


@pytest.mark.parametrize("broken", BROKEN, ids=[p.stem for p in BROKEN])
def test_broken_file_is_the_minimal_example_with_one_defect(broken: Path) -> None:
    text = broken.read_text(encoding="utf-8")
    if broken.stem in ("empty_file", "not_a_mapping") or broken.stem.startswith("yaml_"):
        return  # whole-file defects (yaml_*: hostile YAML, limited before any model reads it)
    base = _content_lines(doc_minimal_example())
    diff = [line for line in difflib.unified_diff(base, _content_lines(text), lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert 1 <= len(diff) <= 4, "\n".join(diff)


@pytest.fixture(scope="module")
def subprocess_reports() -> dict[str, subprocess.CompletedProcess[str]]:
    """``python -m sim.cli validate FILE`` once per broken file, a few at a time."""
    names = [str(p.relative_to(REPO)) for p in BROKEN]
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        return dict(zip(names, pool.map(run_subprocess, names), strict=True))


@pytest.mark.parametrize("broken", BROKEN, ids=[p.stem for p in BROKEN])
def test_broken_file_subprocess(
    broken: Path, subprocess_reports: dict[str, subprocess.CompletedProcess[str]]
) -> None:
    name = str(broken.relative_to(REPO))
    proc = subprocess_reports[name]
    check_report(name, proc.returncode, proc.stdout, proc.stderr, broken)


@pytest.mark.parametrize("broken", BROKEN, ids=[p.stem for p in BROKEN])
def test_broken_file_in_process(broken: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_in_process(capsys, str(broken))
    check_report(str(broken), code, out, err, broken)


def test_cli_module_is_runnable() -> None:
    source = (REPO / "sim" / "cli" / "main.py").read_text(encoding="utf-8")
    assert 'if __name__ == "__main__":' in source


# -- good files -----------------------------------------------------------------------------


def test_shipped_scenarios_validate_subprocess() -> None:
    assert SHIPPED, "no scenarios/**/*.yaml found"
    names = [str(p.relative_to(REPO)) for p in SHIPPED]
    proc = run_subprocess(*names)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert proc.stdout.splitlines() == [f"{name}: ok" for name in names]


@pytest.mark.parametrize("scenario", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_scenario_validates_in_process(
    scenario: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_in_process(capsys, str(scenario))
    assert (code, err) == (0, "")
    assert out == f"{scenario}: ok\n"


def doc_minimal_example() -> str:
    """The YAML block after ``<!-- minimal-example -->`` in docs/scenario-format.md."""
    text = DOC.read_text(encoding="utf-8")
    m = re.search(r"<!-- minimal-example -->\s*```yaml\n(.*?)```", text, re.S)
    assert m, "docs/scenario-format.md lost its minimal example marker"
    return m.group(1)


def test_doc_minimal_example_validates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "minimal.yaml"
    path.write_text(doc_minimal_example(), encoding="utf-8")
    code, out, err = run_in_process(capsys, str(path))
    assert (code, out, err) == (0, f"{path}: ok\n", "")
    assert load_scenario(path).name == "minimal"


# -- several files, several problems, unreadable files --------------------------------------


def test_several_files_report_each(capsys: pytest.CaptureFixture[str]) -> None:
    good = str(SHIPPED[0])
    bad1 = str(BROKEN_DIR / "unknown_shift.yaml")
    bad2 = str(BROKEN_DIR / "community_unknown_street.yaml")
    missing = str(BROKEN_DIR / "no_such_file.yaml")
    code, out, err = run_in_process(capsys, bad1, good, bad2, missing)
    assert code == 2
    assert out == f"{good}: ok\n"
    lines = err.splitlines()
    assert len(lines) == 3, err
    assert lines[0].startswith(f"{bad1}:") and "unknown shift 'dya'" in lines[0]
    assert lines[1].startswith(f"{bad2}:") and "unknown street 's2'" in lines[1]
    assert lines[2].startswith(f"{missing}:") and "cannot read file" in lines[2]


def test_several_files_subprocess() -> None:
    names = ["tests/broken/unknown_shift.yaml", str(SHIPPED[0].relative_to(REPO)),
             "tests/broken/wrong_version.yaml"]
    proc = run_subprocess(*names)
    assert proc.returncode == 2
    assert proc.stdout == f"{names[1]}: ok\n"
    assert [line.split(":", 1)[0] for line in proc.stderr.splitlines()] == [names[0], names[2]]
    assert "Traceback" not in proc.stderr


def test_every_problem_in_a_file_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (BROKEN_DIR / "unknown_shift.yaml").read_text(encoding="utf-8")
    two = text.replace("{id: c1, street: s1}", "{id: c1, street: s2}")
    assert two != text
    path = tmp_path / "two.yaml"
    path.write_text(two, encoding="utf-8")
    code, out, err = run_in_process(capsys, str(path))
    assert (code, out) == (2, "")
    lines = err.splitlines()
    assert len(lines) == 2, err
    numbers = sorted(split_line(str(path), line)[0] or 0 for line in lines)
    rows = two.splitlines()
    assert numbers == [
        1 + next(i for i, r in enumerate(rows) if "shift: dya" in r),
        1 + next(i for i, r in enumerate(rows) if "street: s2" in r),
    ]


def _clean_single_line(name: str, code: int, out: str, err: str, fragment: str) -> None:
    assert code == 2
    assert out == ""
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"{name}: ") and fragment in lines[0], lines[0]


def test_nonexistent_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = str(tmp_path / "nope.yaml")
    _clean_single_line(name, *run_in_process(capsys, name), "cannot read file")


def test_nonexistent_file_subprocess(tmp_path: Path) -> None:
    name = str(tmp_path / "nope.yaml")
    proc = run_subprocess(name)
    _clean_single_line(name, proc.returncode, proc.stdout, proc.stderr,
                       "cannot read file: No such file or directory")


def test_directory_instead_of_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = str(tmp_path)
    _clean_single_line(name, *run_in_process(capsys, name), "cannot read file")


def test_file_that_is_not_utf8(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "gbk.yaml"
    path.write_bytes("name: 示范街道\n".encode("gbk"))
    _clean_single_line(str(path), *run_in_process(capsys, str(path)), "not UTF-8")


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root can read a file without read permission")
def test_unreadable_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "secret.yaml"
    path.write_text("version: 1\n", encoding="utf-8")
    path.chmod(0)
    try:
        _clean_single_line(str(path), *run_in_process(capsys, str(path)), "Permission denied")
    finally:
        path.chmod(0o600)


def test_doc_common_errors_are_real_output(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every ``tests/broken/…`` line quoted in docs/scenario-format.md is what validate prints."""
    text = DOC.read_text(encoding="utf-8")
    quoted = re.findall(r"^(tests/broken/[\w.-]+\.yaml)(:.*)$", text, re.M)
    assert len(quoted) >= 5
    monkeypatch.chdir(REPO)
    for name, rest in quoted:
        _code, _out, err = run_in_process(capsys, name)
        assert name + rest in err.splitlines(), f"docs quote an outdated message:\n{name}{rest}"


def test_experiment_and_optimisation_files_are_checked_as_such(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``govsim validate`` on an experiment checks it as ``sweep`` would (not as a scenario
    with a dozen unknown fields); a bad goal lever is one ``file:line`` message, exit 2."""
    shipped = sorted(str(p) for p in (REPO / "experiments").glob("*.yaml"))
    code, out, err = run_in_process(capsys, *shipped)
    assert (code, err) == (0, "") and out.count(": ok") == len(shipped)
    bad = tmp_path / "exp.yaml"
    bad.write_text((REPO / "tests" / "data_sweep" / "tiny.yaml").read_text(encoding="utf-8")
                   .replace("../../scenarios/", f"{REPO}/scenarios/")
                   + 'goal:\n  meets: ["response_rate >= 0.9"]\n  lever: arrivals.scal\n',
                   encoding="utf-8")
    code, out, err = run_in_process(capsys, str(bad))
    assert code == 2 and out == ""
    assert err.strip().splitlines() == [
        f"{bad}:18: goal.lever: 'arrivals.scal' is not swept (did you mean 'arrivals.scale'?); "
        "swept: organisation.grid_workers_per_grid, arrivals.scale"]
