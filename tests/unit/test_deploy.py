"""The deployment of docs/deploy.md, checked with the tools' own rules where they run here:
compose.yaml against the Compose Specification's schema, nginx.conf with `nginx -t`, and the
Dockerfile's layering and health check."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
BOT_ROLES = {"replica-1", "replica-2", "worker", "worker-standby"}


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return loaded


def test_compose_file_follows_the_compose_specification() -> None:
    schema = json.loads((ROOT / "tests" / "schemas" / "compose-spec.json").read_text())
    # The schema names draft 7 without the trailing '#' its validator is registered under.
    jsonschema.Draft7Validator(schema).validate(compose())


def test_compose_runs_two_replicas_a_worker_and_a_standby_from_the_projects_image() -> None:
    services = compose()["services"]
    assert {"postgres", "redis", "nginx", *BOT_ROLES} <= set(services)
    for name in BOT_ROLES:
        service = services[name]
        assert service["build"]["dockerfile"] == "Dockerfile"
        assert (DEPLOY / service["build"]["context"] / "Dockerfile").exists()
        assert service["env_file"] == "qorgan.env"
    assert services["replica-1"]["command"][0] == "webhook"
    assert services["worker"]["command"][0] == services["worker-standby"]["command"][0] == "worker"


def test_redis_writes_nothing_to_disk() -> None:
    """Drafts and conversation state must not reach a disk (DESIGN.md, drafts are transient)."""
    command = compose()["services"]["redis"]["command"]
    assert command[command.index("--save") + 1] == ""
    assert command[command.index("--appendonly") + 1] == "no"
    assert "volumes" not in compose()["services"]["redis"]


def test_the_environment_example_names_real_settings() -> None:
    from bot.config import Settings

    names = {
        line.split("=", 1)[0]
        for line in (DEPLOY / "qorgan.env.example").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    }
    assert names <= {name.upper() for name in Settings.model_fields}
    assert {"BOT_TOKEN", "DATABASE_URL", "REDIS_URL", "WEBHOOK_URL", "WEBHOOK_SECRET"} <= names


@pytest.mark.skipif(shutil.which("nginx") is None, reason="apt-get install nginx")
def test_nginx_configuration_passes_nginx_t(tmp_path: Path) -> None:
    """As nginx's image loads it (conf.d/default.conf inside http {}). The replicas' names
    resolve only on the compose network, so here they point at this machine."""
    site = (DEPLOY / "nginx.conf").read_text()
    for name in ("replica-1", "replica-2"):
        site = site.replace(f"{name}:8081", "127.0.0.1:8081")
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        "events {}\nhttp {\n    include site.conf;\n}\n"
        f"pid {tmp_path}/nginx.pid;\nerror_log stderr;\n"
    )
    nginx = shutil.which("nginx")
    assert nginx is not None
    checked = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-e", "stderr"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr


def test_dockerfile_installs_dependencies_before_the_code_and_checks_health() -> None:
    lines = [line.strip() for line in (ROOT / "Dockerfile").read_text().splitlines()]
    stages = [n for n, line in enumerate(lines) if line.startswith("FROM ")]
    dependencies = lines[stages[0] : stages[1]]
    # The dependency stage sees pyproject.toml alone: a change of code does not rebuild it.
    assert [line for line in dependencies if line.startswith("COPY")] == ["COPY pyproject.toml ./"]
    final = lines[stages[-1] :]
    installs = [n for n, line in enumerate(final) if "pip install" in line]
    copies_code = next(n for n, line in enumerate(final) if line.startswith("COPY --from=build"))
    assert installs[0] < copies_code < installs[1]
    assert any(line.startswith("HEALTHCHECK") for line in final)
    assert '"health"]' in " ".join(final)
