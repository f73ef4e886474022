"""Settings: one YAML file plus environment overrides.

Unknown keys are errors, and every error names its path (`probes.frame.timeout: ...`).
Secrets (camera passwords, SNMP communities and keys, the database password) are never
written in the file itself: the file names an environment variable or a file that holds
each one (`SecretRef`), and the value only exists as a `probes.base.Secret`.

Environment overrides: `VMON_<SECTION>__<KEY>[__<KEY>...]=value`, e.g.
`VMON_DATABASE__URL=postgresql+psycopg://vmon@db/vmon` or `VMON_PROBES__PING__INTERVAL=30`.
Values are read as YAML scalars. `VMON_CONFIG` names the file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from probes.base import Credentials, Secret
from probes.quality.thresholds import DiagnosticsConfig
from vmon.engine.shards import Shard

__all__ = [
    "ConfigError",
    "Confirmation",
    "CredentialConfig",
    "DatabaseConfig",
    "EngineConfig",
    "HealthConfig",
    "HttpConfig",
    "ProbeSchedule",
    "ProbesConfig",
    "RegistryConfig",
    "SecretRef",
    "Settings",
    "SnmpAuthConfig",
    "load_settings",
]

ENV_PREFIX = "VMON_"
ENV_CONFIG_FILE = "VMON_CONFIG"
DEFAULT_CONFIG_NAME = "vmon.yaml"


class ConfigError(Exception):
    """The configuration is invalid. `problems` lists `path: reason` lines."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SecretRef(_Strict):
    """Where a secret lives: an environment variable or a file (first line, stripped)."""

    env: str | None = None
    file: Path | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> SecretRef:
        if (self.env is None) == (self.file is None):
            raise ValueError("give exactly one of `env` or `file`")
        return self

    def describe(self) -> str:
        """Where the secret comes from, for display (never the value)."""
        return f"env:{self.env}" if self.env else f"file:{self.file}"

    def problem(self) -> str | None:
        """Why the secret cannot be read now, or None when it can."""
        if self.env:
            present = bool(os.environ.get(self.env))
            return None if present else f"environment variable {self.env} is not set"
        assert self.file is not None
        if not self.file.is_file():
            return f"file {self.file} does not exist"
        if not os.access(self.file, os.R_OK):
            return f"file {self.file} is not readable"
        return None

    def resolve(self) -> Secret:
        """Read the secret. Raises ConfigError naming the source (not the value)."""
        problem = self.problem()
        if problem:
            raise ConfigError([f"secret {self.describe()}: {problem}"])
        if self.env:
            return Secret(os.environ[self.env])
        assert self.file is not None
        return Secret(self.file.read_text(encoding="utf-8").strip())


class DatabaseConfig(_Strict):
    """Where the registry and ledger live."""

    url: str = "sqlite:///var/vmon.db"
    password: SecretRef | None = None
    pool_size: int = Field(default=10, ge=1, le=200)

    @model_validator(mode="after")
    def _no_inline_password(self) -> DatabaseConfig:
        from sqlalchemy.engine import make_url

        try:
            parsed = make_url(self.url)
        except Exception as exc:
            raise ValueError(f"not a database URL ({type(exc).__name__})") from None
        if parsed.password:
            raise ValueError(
                "url: put the password in `database.password` (env or file), not in the URL"
            )
        if parsed.get_backend_name() not in {"sqlite", "postgresql"}:
            raise ValueError("only sqlite and postgresql are supported")
        return self


class HttpConfig(_Strict):
    """The HTTP server: /metrics, the API and the portal."""

    listen: str = "127.0.0.1:9108"


class CredentialConfig(_Strict):
    """A named camera login, referenced from the registry by name (e.g. `hik-default`)."""

    username: str
    password: SecretRef

    def resolve(self) -> Credentials:
        """The credentials, with the password read from its source."""
        return Credentials(self.username, self.password.resolve())


class SnmpAuthConfig(_Strict):
    """SNMP authentication, kept apart from what to ask (as snmp_exporter does)."""

    version: Literal["2c", "3"] = "2c"
    community: SecretRef | None = None
    username: str | None = None
    auth_protocol: Literal["MD5", "SHA", "SHA224", "SHA256", "SHA384", "SHA512"] = "SHA"
    auth_key: SecretRef | None = None
    priv_protocol: Literal["DES", "AES", "AES192", "AES256"] = "AES"
    priv_key: SecretRef | None = None

    @model_validator(mode="after")
    def _complete(self) -> SnmpAuthConfig:
        if self.version == "2c" and self.community is None:
            raise ValueError("version 2c needs `community`")
        if self.version == "3" and not (self.username and self.auth_key):
            raise ValueError("version 3 needs `username` and `auth_key`")
        return self


class ProbeSchedule(_Strict):
    """How often and how long one probe kind runs, and how many at once."""

    enabled: bool = True
    interval: float = Field(gt=0)
    timeout: float = Field(gt=0)
    concurrency: int = Field(default=200, ge=1, le=100_000)
    class_intervals: dict[Annotated[int, Field(ge=1, le=3)], float] = Field(default_factory=dict)
    camera_intervals: dict[str, float] = Field(
        default_factory=dict, description="per camera (GB code) overrides, beating the class"
    )

    @model_validator(mode="after")
    def _timeout_below_interval(self) -> ProbeSchedule:
        overrides = [*self.class_intervals.values(), *self.camera_intervals.values()]
        shortest = min([self.interval, *overrides])
        if self.timeout >= shortest:
            raise ValueError(f"timeout: must be less than the interval ({shortest:g} s)")
        return self


class ProbesConfig(_Strict):
    """Cadences per probe kind (defaults: ping 60 s, SNMP and ONVIF 300 s, frames 900 s)."""

    ping: ProbeSchedule = ProbeSchedule(interval=60, timeout=5, concurrency=2000)
    snmp: ProbeSchedule = ProbeSchedule(interval=300, timeout=5, concurrency=500)
    onvif: ProbeSchedule = ProbeSchedule(interval=300, timeout=10, concurrency=500)
    # frames: decoding is bounded apart (the frame probe's worker pool); this bounds grabs in
    # flight, which must leave room for healthy cameras while hung ones hold slots until timeout
    frame: ProbeSchedule = ProbeSchedule(
        interval=900, timeout=20, concurrency=64, class_intervals={1: 300}
    )


class Confirmation(_Strict):
    """Confirmed after `fail_n` of the last `fail_m` checks fail; cleared after `clear_k` passes."""

    fail_n: int = Field(default=3, ge=1)
    fail_m: int = Field(default=5, ge=1)
    clear_k: int = Field(default=2, ge=1)

    @model_validator(mode="after")
    def _n_within_m(self) -> Confirmation:
        if self.fail_n > self.fail_m:
            raise ValueError("fail_n: must not exceed fail_m")
        return self


class HealthConfig(_Strict):
    """Hysteresis per check kind."""

    ping: Confirmation = Confirmation(fail_n=3, fail_m=5, clear_k=2)
    onvif: Confirmation = Confirmation(fail_n=2, fail_m=3, clear_k=2)
    frame: Confirmation = Confirmation(fail_n=2, fail_m=3, clear_k=2)
    picture: Confirmation = Confirmation(fail_n=2, fail_m=3, clear_k=2)


class EngineConfig(_Strict):
    """How often the ledger is written and the registry re-read; where pictures are judged."""

    flush_seconds: float = Field(default=15.0, gt=0, le=300)
    reload_seconds: float = Field(default=30.0, gt=0, le=3600)
    writer: str = Field(default="vmon", min_length=1, max_length=64)
    picture_workers: int = Field(
        default=1,
        ge=0,
        le=64,
        description="processes judging pictures (0: threads inside the engine process)",
    )
    shard: str | None = Field(
        default=None,
        description='this instance\'s share of the fleet, "INDEX/COUNT" (vmon.engine.shards)',
    )

    @field_validator("shard")
    @classmethod
    def _shard_form(cls, value: str | None) -> str | None:
        if value is not None:
            Shard.parse(value)  # raises ValueError with the reason
        return value

    @property
    def shard_spec(self) -> Shard | None:
        """`shard` parsed; None when the instance watches the whole fleet."""
        return Shard.parse(self.shard) if self.shard else None

    @property
    def shard_label(self) -> str:
        """`2of4` for shard "2/4"; empty when the instance watches the whole fleet."""
        spec = self.shard_spec
        return spec.label if spec else ""

    @property
    def ledger_writer(self) -> str:
        """The ledger writer name: `writer`, with the shard appended when sharded."""
        return f"{self.writer}-{self.shard_label}" if self.shard else self.writer


class RegistryConfig(_Strict):
    """Import settings: extra header aliases and an optional region box."""

    header_aliases: dict[str, list[str]] = Field(default_factory=dict)
    region_box: tuple[float, float, float, float] | None = Field(
        default=None, description="lon_min, lat_min, lon_max, lat_max (WGS-84)"
    )

    @model_validator(mode="after")
    def _box_ordered(self) -> RegistryConfig:
        box = self.region_box
        if box and not (box[0] < box[2] and box[1] < box[3]):
            raise ValueError("region_box: must be lon_min, lat_min, lon_max, lat_max")
        return self


def _default_targets() -> dict[int, float]:
    return {1: 0.98, 2: 0.95, 3: 0.80}


CameraClass = Annotated[int, Field(ge=1, le=3)]


class Settings(_Strict):
    """The whole configuration."""

    database: DatabaseConfig = DatabaseConfig()
    http: HttpConfig = HttpConfig()
    language: Literal["zh", "en"] = "zh"
    targets: dict[CameraClass, Annotated[float, Field(gt=0, le=1)]] = Field(
        default_factory=_default_targets
    )
    registry: RegistryConfig = RegistryConfig()
    credentials: dict[str, CredentialConfig] = Field(default_factory=dict)
    snmp_auths: dict[str, SnmpAuthConfig] = Field(default_factory=dict)
    probes: ProbesConfig = ProbesConfig()
    health: HealthConfig = HealthConfig()
    engine: EngineConfig = EngineConfig()
    diagnostics: DiagnosticsConfig = DiagnosticsConfig()
    _base_dir: Path = PrivateAttr(default_factory=Path.cwd)

    @property
    def base_dir(self) -> Path:
        """The folder relative paths in the file are read from (the file's own folder)."""
        return self._base_dir

    def secret_refs(self) -> dict[str, SecretRef]:
        """Every secret reference in the configuration, by its path."""
        refs: dict[str, SecretRef] = {}
        if self.database.password:
            refs["database.password"] = self.database.password
        for name, cred in self.credentials.items():
            refs[f"credentials.{name}.password"] = cred.password
        for name, auth in self.snmp_auths.items():
            for key in ("community", "auth_key", "priv_key"):
                ref = getattr(auth, key)
                if ref is not None:
                    refs[f"snmp_auths.{name}.{key}"] = ref
        return refs

    def database_url(self) -> str:
        """The database URL with relative SQLite paths anchored at the config file's folder."""
        from sqlalchemy.engine import make_url

        url = make_url(self.database.url)
        if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
            path = Path(url.database)
            if not path.is_absolute():
                url = url.set(database=str((self.base_dir / path).resolve()))
        if self.database.password:
            url = url.set(password=self.database.password.resolve().reveal())
        return url.render_as_string(hide_password=False)


_FIELD_IN_MESSAGE = re.compile(r"^([a-z_]+): ")


def _format_location(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(top)"


def _validation_problems(error: ValidationError) -> list[str]:
    problems = []
    for item in error.errors():
        loc = tuple(part for part in item["loc"] if not str(part).startswith("function-after"))
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key"
        field = _FIELD_IN_MESSAGE.match(message)
        if field:  # a model-level check that names the field it is about
            loc, message = (*loc, field.group(1)), message[field.end() :]
        problems.append(f"{_format_location(loc)}: {message}")
    return problems


def _env_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX) or "__" not in name:
            continue
        path = [part.lower() for part in name[len(ENV_PREFIX) :].split("__")]
        node = overrides
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = yaml.safe_load(raw) if raw else raw
    return overrides


_REPLACED_WHOLE = frozenset({"class_intervals", "camera_intervals"})


def _deep_merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if value is None and isinstance(merged.get(key), dict):
            continue  # an empty section (`credentials:` with only comments) keeps its default
        if key in _REPLACED_WHOLE:
            merged[key] = value  # `class_intervals: {}` means none, not the defaults
            continue
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read ({exc.strerror})"]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise ConfigError([f"{path}{where}: not valid YAML"]) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError([f"{path}: the top level must be a mapping"])
    return data


def default_config_path(environ: Mapping[str, str] | None = None) -> Path | None:
    """The config file to use when none is given: $VMON_CONFIG, else ./vmon.yaml if present."""
    env = os.environ if environ is None else environ
    if env.get(ENV_CONFIG_FILE):
        return Path(env[ENV_CONFIG_FILE])
    candidate = Path(DEFAULT_CONFIG_NAME)
    return candidate if candidate.is_file() else None


def load_settings(
    path: Path | None = None, *, environ: Mapping[str, str] | None = None
) -> Settings:
    """Load the YAML file (if any), apply environment overrides, validate.

    Raises ConfigError with one `path: reason` line per problem.
    """
    env = os.environ if environ is None else environ
    data = Settings().model_dump()
    data = _deep_merge(data, _read_yaml(path) if path else {})
    data = _deep_merge(data, _env_overrides(env))
    base_dir = path.parent.resolve() if path else Path.cwd()
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_validation_problems(exc)) from None
    settings._base_dir = base_dir
    return settings
