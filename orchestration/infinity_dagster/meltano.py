"""Running the Meltano project's commands from Dagster: each partition's job in run directories
of its own, its output in Dagster's logs, a failure as one line."""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import dagster as dg
import yaml

#: The Meltano project: the repository this folder lives in, unless MELTANO_PROJECT_ROOT says.
PROJECT_DIR = Path(os.environ.get("MELTANO_PROJECT_ROOT", Path(__file__).resolve().parents[2]))


def _project() -> dict[str, Any]:
    return dict(yaml.safe_load((PROJECT_DIR / "meltano.yml").read_text()))


def environment() -> str:
    """The Meltano environment the jobs run in (part of their state IDs), as Meltano picks it."""
    return str(os.environ.get("MELTANO_ENVIRONMENT", _project().get("default_environment", "")))


def installations() -> list[str]:
    """The igrps to partition by: TAP_INFINITY_IGRPS (the tap's own variable) if set, else the
    `igrps` of tap-infinity in the Meltano environment's config in meltano.yml."""
    if os.environ.get("TAP_INFINITY_IGRPS"):
        return [str(igrp) for igrp in json.loads(os.environ["TAP_INFINITY_IGRPS"])]
    name = environment()
    for env in _project().get("environments", []):
        if env["name"] == name:
            for extractor in env.get("config", {}).get("plugins", {}).get("extractors", []):
                if extractor["name"] == "tap-infinity":
                    return [str(igrp) for igrp in extractor.get("config", {}).get("igrps", [])]
    return []


#: A line of Meltano's console log: time, [level], the plugin (or meltano), the message.
LOG_LINE = re.compile(r"^\S+ \[(\w+)\s*\] (\S+)\s+(.*)$")


def what_failed(lines: list[str]) -> str:
    """The line that says what went wrong: a plugin's last error (the tap's one line comes after
    the SDK's "An unhandled error occurred while syncing"), else Meltano's own first error (such
    as "Invalid catalog"), else the last line."""
    errors = [m.groups()[1:] for m in map(LOG_LINE.match, lines) if m and m[1] == "error"]
    for plugin, message in reversed(errors):
        if plugin != "meltano":
            return f"{plugin}: {message}"
    return errors[0][1] if errors else (lines or ["no output"])[-1]


class MeltanoProject(dg.ConfigurableResource):
    """The Meltano project and the pair of plugins its jobs run."""

    project_dir: str = str(PROJECT_DIR)
    meltano: str = str(PROJECT_DIR / ".venv-meltano" / "bin" / "meltano")
    extractor: str = "tap-infinity"
    loader: str = "target-postgres"

    @property
    def sys_dir(self) -> Path:
        """Meltano's own `.meltano` folder: installed plugins, and the system database."""
        return Path(os.environ.get("MELTANO_SYS_DIR_ROOT", Path(self.project_dir) / ".meltano"))

    @property
    def catalog(self) -> Path:
        """The catalog discovered once for every job: jobs discovering at once overwrite it."""
        return self.sys_dir / "dagster" / "catalog.json"

    def job_env(self, name: str) -> dict[str, str]:
        """Environment of one job: Meltano keeps a plugin's catalog, state and config files in one
        run directory per plugin name, so jobs at once each get a `.meltano` of their own (the
        installed plugins linked, not copied) and share only the system database, where state lives."""
        own = self.sys_dir / "dagster" / name
        own.mkdir(parents=True, exist_ok=True)
        for kind in ("extractors", "loaders"):
            if not (own / kind).exists():
                (own / kind).symlink_to(self.sys_dir / kind, target_is_directory=True)
        database = os.environ.get("MELTANO_DATABASE_URI", f"sqlite:///{self.sys_dir / 'meltano.db'}")
        return {"MELTANO_SYS_DIR_ROOT": str(own), "MELTANO_DATABASE_URI": database}

    def execute(self, context: dg.AssetExecutionContext, args: list[str], env: dict[str, str]) -> str:
        """Run `meltano ARGS`, its log lines into Dagster's log as they come; returns stdout.
        A failure is one line (Meltano's last error line), the log's tail in its metadata."""
        context.log.info(f"meltano {' '.join(args)}")
        # stdout (a catalog, a state) goes to a file: a pipe left unread while stderr is
        # forwarded would fill and stop Meltano. stderr, Meltano's own log, is forwarded line by
        # line, so a long job shows its progress.
        with tempfile.TemporaryFile(mode="w+") as stdout:
            with subprocess.Popen(
                [self.meltano, *args],
                cwd=self.project_dir,
                env={**os.environ, **env},
                stdout=stdout,
                stderr=subprocess.PIPE,
                text=True,
            ) as proc:
                assert proc.stderr is not None
                tail: list[str] = []
                for line in proc.stderr:
                    context.log.info(line.rstrip())
                    tail = [*tail[-39:], line.rstrip()]
            stdout.seek(0)
            out = stdout.read()
        if proc.returncode != 0:
            raise dg.Failure(
                description=f"meltano {args[0]} exited with {proc.returncode}: {what_failed(tail)}",
                metadata={"log tail": dg.MetadataValue.md("```\n" + "\n".join(tail) + "\n```")},
            )
        return out

    def state(self, context: dg.AssetExecutionContext, state_id: str, env: dict[str, str]) -> dict[str, Any]:
        """The job's state as Meltano stored it (the bookmarks), or {} before its first run."""
        out = self.execute(context, ["state", "get", state_id], env).strip()
        return json.loads(out) if out.startswith("{") else {}

    def load_schemas(self, context: dg.AssetExecutionContext, env: dict[str, str]) -> None:
        """`meltano invoke EXTRACTOR --test=schema | meltano invoke LOADER`: the tables from the
        streams' SCHEMA messages alone (`meltano run` has no schema-only mode)."""
        full = {**os.environ, **env}
        tap = [self.meltano, "invoke", self.extractor, "--test=schema"]
        context.log.info(f"meltano invoke {self.extractor} --test=schema | meltano invoke {self.loader}")
        with tempfile.TemporaryFile(mode="w+") as tap_log:  # a pipe left unread could fill
            with subprocess.Popen(
                tap, cwd=self.project_dir, env=full, stdout=subprocess.PIPE, stderr=tap_log
            ) as schemas:
                load = subprocess.run(
                    [self.meltano, "invoke", self.loader],
                    cwd=self.project_dir,
                    env=full,
                    stdin=schemas.stdout,
                    capture_output=True,
                    text=True,
                )
            tap_log.seek(0)
            tap_err = tap_log.read()
        for name, code, err in (
            (self.extractor, schemas.returncode, tap_err),
            (self.loader, load.returncode, load.stderr),
        ):
            for line in err.splitlines():
                context.log.info(line)
            if code != 0:
                last = (err.strip().splitlines() or ["no output"])[-1]
                raise dg.Failure(description=f"creating the tables: {name} exited with {code}: {last}")
