"""The JSON Schema of scenario files (sim/scenario/scenario.schema.json).

The shipped file must equal the generated one, so it cannot go stale; shipped scenarios must
validate against it and the broken corpus must be rejected where the schema can see the defect
(``# json-schema: reject`` on line 2 of a tests/broken file) and accepted where only
``govsim validate``'s cross-reference checks can (``# json-schema: accept``). The checks that need
the ``jsonschema`` package are skipped when it is not installed.
"""

from __future__ import annotations

import json
import re
import typing
from pathlib import Path
from typing import Any

import pytest
import yaml

from sim.cli import schema
from sim.policies import DISPATCH, ESCALATION
from sim.stochastic.distributions import Distribution

REPO = Path(__file__).resolve().parents[1]
SHIPPED = sorted((REPO / "scenarios").rglob("*.yaml"))
BROKEN = sorted((REPO / "tests" / "broken").glob("*.yaml"))
DOC = REPO / "docs" / "scenario-format.md"

#: Keywords that draft-07 does not know: the schema avoids them so that draft-07 tools (older
#: VS Code YAML extensions) validate exactly as a 2020-12 validator does.
NEW_KEYWORDS = {"prefixItems", "unevaluatedProperties", "unevaluatedItems", "dependentRequired",
                "dependentSchemas", "$dynamicRef", "$dynamicAnchor", "$anchor", "minContains",
                "maxContains", "$recursiveRef"}
#: Keywords allowed beside ``$ref`` (draft-07 ignores siblings of ``$ref``: only annotations).
ANNOTATIONS = {"$ref", "title", "description", "default", "examples"}


class EditorLoader(yaml.SafeLoader):
    """YAML as an editor's language server reads it: timestamps stay strings (YAML 1.2)."""


EditorLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_as_editor(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=EditorLoader)


def walk(node: Any) -> list[dict[str, Any]]:
    out = []
    if isinstance(node, dict):
        out.append(node)
        for value in node.values():
            out.extend(walk(value))
    elif isinstance(node, list):
        for value in node:
            out.extend(walk(value))
    return out


@pytest.fixture(scope="module")
def generated() -> dict[str, Any]:
    return schema.scenario_json_schema()


# -- without jsonschema -------------------------------------------------------------------------


def test_shipped_file_is_up_to_date() -> None:
    shipped = schema.SCHEMA_PATH.read_text(encoding="utf-8")
    assert shipped == schema.render(), (
        "sim/scenario/scenario.schema.json is stale: regenerate it with 'python -m sim.cli.schema'"
    )


def test_check_mode(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert schema.main(["--check"]) == 0
    out = tmp_path / "s.json"
    assert schema.main(["--output", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8")) == schema.scenario_json_schema()
    out.write_text("{}\n", encoding="utf-8")
    assert schema.main(["--check", "--output", str(out)]) == 1
    assert "stale" in capsys.readouterr().err
    assert schema.main(["--check", "--output", str(tmp_path / "missing.json")]) == 1


def test_header(generated: dict[str, Any]) -> None:
    assert generated["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert generated["$id"] == schema.SCHEMA_ID
    assert "scenario" in generated["title"]
    assert generated["additionalProperties"] is False
    assert set(generated["required"]) >= {"version", "calendar", "organisation"}
    # the closed loop's parts, or a built-in workflow's section (services: 一网通办)
    assert generated["anyOf"] == [{"required": ["arrivals", "categories"]},
                                  {"required": ["services"]}]


def test_refs_resolve_and_every_definition_is_used(generated: dict[str, Any]) -> None:
    defs = generated["$defs"]
    refs = {n["$ref"] for n in walk(generated) if isinstance(n.get("$ref"), str)}
    assert all(ref.startswith("#/$defs/") for ref in refs)
    assert {ref.removeprefix("#/$defs/") for ref in refs} == set(defs)


def test_draft07_compatible(generated: dict[str, Any]) -> None:
    for node in walk(generated):
        assert not NEW_KEYWORDS & set(node), node
        if "$ref" in node:
            assert set(node) <= ANNOTATIONS, f"validation keyword beside $ref: {node}"


def test_distribution_union_is_one_definition(generated: dict[str, Any]) -> None:
    defs = generated["$defs"]
    dist = defs["Distribution"]
    tags = dist["properties"]["dist"]["enum"]
    members = typing.get_args(typing.get_args(Distribution)[0])
    assert tags == [member.model_fields["dist"].default for member in members]
    for branch in dist["allOf"]:
        tag = branch["if"]["properties"]["dist"]["const"]
        member = defs[branch["then"]["$ref"].removeprefix("#/$defs/")]
        assert member["properties"]["dist"]["const"] == tag
        assert "dist" in member["required"]
    # no inline copies of the union are left (pydantic's OpenAPI 'discriminator')
    assert not any("discriminator" in node for node in walk(generated))
    stage = defs["Stage"]["properties"]["time"]
    assert stage["$ref"] == "#/$defs/Distribution"


def test_policies_are_typed(generated: dict[str, Any]) -> None:
    defs = generated["$defs"]
    for axis, registry in (("Dispatch", DISPATCH), ("Escalation", ESCALATION)):
        policy = defs[f"{axis}Policy"]
        names = policy["properties"]["name"]["enum"]
        assert names and set(names) <= set(registry)
        for branch in policy["allOf"]:
            params_ref = branch["then"]["properties"]["params"]["$ref"]
            assert params_ref.removeprefix("#/$defs/") in defs
    manual = defs["ManualParams"]["properties"]
    assert manual["misroute_p"]["exclusiveMaximum"] == 1.0
    assert manual["return_delay"]["$ref"] == "#/$defs/Distribution"


def test_field_notes_apply(generated: dict[str, Any]) -> None:
    defs = generated["$defs"]
    for key in schema.FIELD_NOTES:
        model, _, field = key.partition(".")
        where = generated if model == "Scenario" else defs[model]
        assert where["properties"][field].get("description"), key


def test_patterns_match_what_the_loader_accepts() -> None:
    window = re.compile(schema.WINDOW_PATTERN)
    for ok in ("08:30-17:30", "00:00-24:00", "22:00-06:00", " 9:00 - 17:00 "):
        assert window.match(ok), ok
    for bad in ("8-17", "24:00-08:00", "08:60-09:00", "08:00", "08:00-09:00-10:00"):
        assert not window.match(bad), bad
    start = re.compile(schema.DATETIME_PATTERN)
    for ok in ("2025-03-03", "2025-03-03T00:00:00", "2025-03-03 08:30", "2025-03-03T00:00:00Z",
               "2025-03-03T00:00:00+08:00", "2025-03-03T00:00:00.5"):
        assert start.match(ok), ok
    for bad in ("20250303", "03/03/2025", "2025-03-03T8"):
        assert not start.match(bad), bad


# -- with jsonschema ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def validator() -> Any:
    jsonschema = pytest.importorskip("jsonschema")
    shipped = json.loads(schema.SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(shipped)
    jsonschema.Draft7Validator.check_schema(shipped)
    return jsonschema.Draft202012Validator(shipped)


def _errors(validator: Any, data: Any) -> list[str]:
    return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(data)]


@pytest.mark.parametrize("scenario", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_scenario_matches_schema(scenario: Path, validator: Any) -> None:
    assert _errors(validator, load_as_editor(scenario)) == []


def test_doc_minimal_example_matches_schema(validator: Any) -> None:
    text = DOC.read_text(encoding="utf-8")
    m = re.search(r"<!-- minimal-example -->\s*```yaml\n(.*?)```", text, re.S)
    assert m
    data = yaml.load(m.group(1), Loader=EditorLoader)
    assert _errors(validator, data) == []


def _verdict(path: Path) -> str | None:
    for line in path.read_text(encoding="utf-8").splitlines()[:3]:
        if line.startswith("# json-schema:"):
            return line.removeprefix("# json-schema:").strip()
    return None


@pytest.mark.parametrize("broken", BROKEN, ids=[p.stem for p in BROKEN])
def test_broken_file_against_schema(broken: Path, validator: Any) -> None:
    verdict = _verdict(broken)
    if verdict is None:
        pytest.skip("not YAML, nothing for a schema to check")
    errors = _errors(validator, load_as_editor(broken))
    if verdict == "reject":
        assert errors, "the JSON Schema should catch this defect too"
    else:
        assert verdict == "accept"
        assert errors == [], "a cross-reference defect: only govsim validate can see it"


def test_docs_cover_every_field(generated: dict[str, Any]) -> None:
    """docs/scenario-format.md names every field of the format (and of the built-in policies)."""
    text = DOC.read_text(encoding="utf-8")
    models = [("Scenario", generated), *generated["$defs"].items()]
    missing = sorted(
        f"{model}.{prop}"
        for model, definition in models
        for prop in definition.get("properties", {})
        if f"`{prop}`" not in text
    )
    assert missing == [], "document these fields in docs/scenario-format.md"
