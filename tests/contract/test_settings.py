"""Settings: each function declares the settings it needs, template.yaml sets what it requires,
and a function without a required (or with a malformed) setting fails at import, naming it.

A handler declares its groups as `SETTINGS = load(CoreSettings, ...)` (tracktion.config); the
declaration is read from the source, so nothing is imported to check it.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys

import pytest

from tests.contract.template_functions import FUNCTIONS_DIR, ROOT, FunctionSpec, functions, load_template
from tracktion import config

FUNCTIONS = list(functions().values())
# Variables Lambda or Powertools read themselves (not settings of ours).
RUNTIME_VARIABLES = {"LOG_LEVEL", "POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE"}


def declared_groups(spec: FunctionSpec) -> list[type[config.Group]]:
    """The groups in the handler module's `SETTINGS = load(...)`."""
    source = (FUNCTIONS_DIR / spec.package / "handler.py").read_text()
    for node in ast.parse(source).body:
        if (
            isinstance(node, ast.Assign)
            and [getattr(t, "id", None) for t in node.targets] == ["SETTINGS"]
            and isinstance(node.value, ast.Call)
            and getattr(node.value.func, "id", None) == "load"
        ):
            return [getattr(config, arg.id) for arg in node.value.args if isinstance(arg, ast.Name)]
    raise AssertionError(f"{spec.package}/handler.py declares no `SETTINGS = load(...)` at module level")


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda s: s.logical_id)
def test_template_sets_every_setting_the_function_requires(spec: FunctionSpec) -> None:
    groups = declared_groups(spec)
    assert config.CoreSettings in groups, f"{spec.package} must declare CoreSettings (table names)"
    environment = load_template().function_environment(spec.logical_id)
    required = {name for group in groups for name in config.required(group)}
    missing = sorted(name for name in required if not environment.get(name))
    assert not missing, (
        f"{spec.logical_id} requires {missing}: set them in template.yaml (Globals or Variables)"
    )


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda s: s.logical_id)
def test_template_sets_only_settings_the_function_declares(spec: FunctionSpec) -> None:
    """A variable no declared group reads is a typo or a leftover (it would change nothing)."""
    props = load_template().resources[spec.logical_id].get("Properties") or {}
    own = set(((props.get("Environment") or {}).get("Variables")) or {})
    known = {name for group in declared_groups(spec) for name in config.names(group)}
    stray = sorted(own - known - RUNTIME_VARIABLES)
    assert not stray, f"{spec.logical_id} sets {stray}, which none of its declared settings reads"


def test_every_setting_is_documented_once() -> None:
    seen: dict[str, str] = {}
    for group in config.GROUPS:
        for name, field in group.model_fields.items():
            assert field.description, f"{group.__name__}.{name} has no description"
            assert field.alias not in seen, (
                f"{field.alias} is in {seen.get(field.alias)} and {group.__name__}"
            )
            seen[str(field.alias)] = group.__name__


def _import_handler(module: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    paths = [str(ROOT / p) for p in ("layers/core", "functions", "sdk", ".")]
    clean = {
        k: v for k, v in os.environ.items() if k not in {n for g in config.GROUPS for n in config.names(g)}
    }
    return subprocess.run(
        [sys.executable, "-c", f"import {module}"],
        env={**clean, **env, "PYTHONPATH": os.pathsep.join(paths)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _environment(logical_id: str) -> dict[str, str]:
    return load_template().function_environment(logical_id)


def test_a_function_without_a_required_table_fails_at_import_naming_it() -> None:
    env = _environment("HealthFunction")
    env.pop("TRACKLISTS_TABLE")
    run = _import_handler("health_api.handler", env)
    assert run.returncode != 0
    assert "SettingsError" in run.stderr and "TRACKLISTS_TABLE is required but not set" in run.stderr


def test_a_malformed_number_fails_at_import_naming_it() -> None:
    env = {**_environment("SearchFunction"), "SOURCE_MIN_INTERVAL_SECONDS": "three"}
    run = _import_handler("search_api.handler", env)
    assert run.returncode != 0
    assert "SOURCE_MIN_INTERVAL_SECONDS='three'" in run.stderr, run.stderr[-2000:]


def test_the_same_function_starts_with_its_template_environment() -> None:
    run = _import_handler("search_api.handler", _environment("SearchFunction"))
    assert run.returncode == 0, run.stderr[-2000:]


def test_settings_follow_the_environment_and_one_default_holds_everywhere(monkeypatch) -> None:
    monkeypatch.delenv("SOURCE_MIN_INTERVAL_SECONDS", raising=False)
    assert config.get(config.SourceSettings).min_interval_seconds == 3.0
    monkeypatch.setenv("SOURCE_MIN_INTERVAL_SECONDS", "0.5")
    assert config.get(config.SourceSettings).min_interval_seconds == 0.5
    from tracktion.batch.submit import estimate_seconds

    assert estimate_seconds(10) == 10  # 10 URLs at 0.5 s, plus 5 s
    monkeypatch.setenv("SOURCE_MIN_INTERVAL_SECONDS", "")  # empty counts as unset
    assert config.get(config.SourceSettings).min_interval_seconds == 3.0
    monkeypatch.setenv("WEBHOOK_MAX_ATTEMPTS", "0")
    with pytest.raises(config.SettingsError, match="WEBHOOK_MAX_ATTEMPTS"):
        config.get(config.WebhookSettings)
