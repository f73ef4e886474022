"""Generate vmon's recording rules: `python -m alert_rules.build` (add `--check` to verify only).

The rules are regular and many (counters x windows x aggregation levels), so they are written by
this script rather than by hand; the YAML files it writes are the product (helm reads them) and a
test fails when they drift from this script. See alert_rules/README.md for the design.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vmon.generated import write_or_check

__all__ = [
    "BURN_WINDOWS",
    "PUBLIC_WINDOWS",
    "TZ_OFFSET_SECONDS",
    "build_files",
    "main",
]

HERE = Path(__file__).resolve().parent
# Local time of the calendar month (China Standard Time, no daylight saving).
TZ_OFFSET_SECONDS = 8 * 3600
# Windows the boards read (all four rates) and windows only the burn-rate alerts read.
PUBLIC_WINDOWS = ("5m", "1h", "1d", "7d", "30d", "month")
BURN_WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")
# Rule groups by evaluation interval: long windows cost more and change slowly. Every interval
# stays under Prometheus's 5m lookback so an instant query always finds the latest sample.
GROUPS = (
    ("vmon-unit-sli-1m", "1m", ("5m", "30m", "1h", "2h", "6h")),
    ("vmon-unit-sli-2m", "2m", ("1d", "3d", "7d")),
    ("vmon-unit-sli-4m", "4m", ("30d", "month")),
)
ALL_COUNTERS = ("observed", "excused", "online", "intact", "unknown")
BURN_COUNTERS = ("observed", "excused", "intact")
LEVELS = {"unit_class": ("unit", "class"), "unit": ("unit",), "class": ("class",)}


@dataclass(frozen=True)
class Rule:
    """One recording rule."""

    record: str
    expr: str


def increase_name(counter: str, window: str) -> str:
    """The recorded per unit-and-class increase of a time counter over a window."""
    return f"unit_class:vmon_unit_{counter}_seconds:increase_{window}"


def increase_rule(counter: str, window: str) -> Rule:
    """Camera-seconds per unit and class over the window, from vmon's per-unit counters.

    `increase()` handles counter resets (vmon restarts) and spans scrape gaps; the month uses
    hourly tiles aligned on the hour (see month_increase).
    """
    metric = f"vmon_unit_{counter}_seconds_total"
    if window == "month":
        return Rule(increase_name(counter, window), month_increase(metric))
    return Rule(
        increase_name(counter, window), f"sum by (unit, class) (increase({metric}[{window}]))"
    )


def month_increase(metric: str) -> str:
    """Month to date, local time: the sum of hourly tiles that fall in the current month.

    Each tile is `increase(...[1h])` at an hour boundary t (a subquery step), covering (t-1h, t];
    it is labelled with the month of t - 1s by `count_values`, and the outer `count_values` keeps
    the tiles of the month holding "now - 1s". No `@` modifier, so range queries (boards, rule
    backfill) get the right answer at every step.
    """
    month = f'count_values("month", month(vector(time() + {TZ_OFFSET_SECONDS - 1})))'
    return (
        "sum without (month) (\n"
        "  sum_over_time(\n"
        "    (\n"
        f"      sum by (unit, class) (increase({metric}[1h]))\n"
        f"      * on () group_left (month) {month}\n"
        "    )[31d:1h]\n"
        "  )\n"
        f"  * on (month) group_left () {month}\n"
        ")"
    )


def _sum(level: str, name: str) -> str:
    if level == "unit_class":
        return name
    return f"sum by ({', '.join(LEVELS[level])}) ({name})"


def ratio_rules(level: str, window: str) -> list[Rule]:
    """Intact rate, online rate, image usability and coverage at one level over one window.

    Ratios of summed increases: camera-time weighted, never an average of ratios. A zero
    denominator (everything excused, or no data) gives no sample rather than NaN or +Inf.
    """

    def inc(counter: str) -> str:
        return _sum(level, increase_name(counter, window))

    counted = f"({inc('observed')} - {inc('excused')}) > 0"
    return [
        Rule(f"{level}:vmon_intact:ratio_{window}", f"{inc('intact')}\n/\n({counted})"),
        Rule(f"{level}:vmon_online:ratio_{window}", f"{inc('online')}\n/\n({counted})"),
        Rule(
            f"{level}:vmon_image_usable:ratio_{window}",
            f"{inc('intact')}\n/\n({inc('online')} > 0)",
        ),
        Rule(
            f"{level}:vmon_coverage:ratio_{window}",
            f"{inc('observed')}\n/\n(({inc('observed')} + {inc('unknown')}) > 0)",
        ),
    ]


def error_rule(window: str) -> Rule:
    """The share of counted camera-time that was not intact: what the burn-rate alerts read."""
    intact = increase_name("intact", window)
    counted = f"({increase_name('observed', window)} - {increase_name('excused', window)}) > 0"
    return Rule(f"unit_class:vmon_intact_error:ratio_{window}", f"1 - {intact}\n/\n({counted})")


def group_rules(windows: tuple[str, ...]) -> list[Rule]:
    """A group's rules in dependency order: increases first, then the ratios read them."""
    rules: list[Rule] = []
    for window in windows:
        counters = ALL_COUNTERS if window in PUBLIC_WINDOWS else BURN_COUNTERS
        rules += [increase_rule(c, window) for c in counters]
    for window in windows:
        if window in PUBLIC_WINDOWS:
            rules += [r for level in LEVELS for r in ratio_rules(level, window)]
        if window in BURN_WINDOWS:
            rules.append(error_rule(window))
    return rules


TARGET_RULE = Rule(
    "unit_class:vmon_intact_target:ratio",
    "max by (unit, class) (vmon_unit_target_ratio)\n"
    + "".join(
        f"or on (unit, class)\n"
        f'({target} * group by (unit, class) (vmon_unit_observed_seconds_total{{class="{cls}"}}))\n'
        for cls, target in (("1", "0.98"), ("2", "0.95"), ("3", "0.80"))
    ).rstrip(),
)


def camera_rules() -> list[Rule]:
    """Per-camera intact rate over 1d and 30d for worst-camera tables, from hourly tiles.

    At 10^5 cameras, `increase(...[30d])` on raw per-camera counters would read every raw sample
    of the month every evaluation; instead the group runs hourly, records each camera's last hour
    (a tile), and the 1d/30d rates sum 24/720 tiles. The ranges end one minute short of 1d/30d
    so they hold exactly 24/720 hourly samples under both left-closed (Prometheus 2) and
    left-open (Prometheus 3) range selectors.
    """

    def tile(counter: str) -> str:
        return f"sum by (camera) (increase(vmon_camera_{counter}_seconds_total[1h]))"

    rules = [
        Rule("camera:vmon_camera_intact_seconds:increase_1h", tile("intact")),
        Rule(
            "camera:vmon_camera_counted_seconds:increase_1h",
            f"{tile('observed')}\n-\n{tile('excused')}",
        ),
    ]
    for window, rng in (("1d", "23h59m"), ("30d", "29d23h59m")):
        intact = f"sum_over_time(camera:vmon_camera_intact_seconds:increase_1h[{rng}])"
        counted = f"sum_over_time(camera:vmon_camera_counted_seconds:increase_1h[{rng}])"
        rules.append(Rule(f"camera:vmon_intact:ratio_{window}", f"{intact}\n/\n({counted} > 0)"))
    return rules


def _yaml_group(name: str, interval: str, rules: list[Rule]) -> str:
    lines = [f"  - name: {name}", f"    interval: {interval}", "    rules:"]
    for rule in rules:
        lines.append(f"      - record: {rule.record}")
        if "\n" in rule.expr:
            lines.append("        expr: |")
            lines += [f"          {line}" for line in rule.expr.splitlines()]
        else:
            lines.append(f"        expr: {rule.expr}")
    return "\n".join(lines)


_HEADER = """\
# GENERATED by `python -m alert_rules.build` from alert_rules/build.py: edit that, not this file.
# {what}
# Naming: level:metric:operation (alert_rules/README.md).
groups:
"""


def build_files() -> dict[str, str]:
    """The generated rule files: file name -> YAML text."""
    unit_groups = [
        _yaml_group(name, interval, group_rules(windows)) for name, interval, windows in GROUPS
    ]
    unit_groups.insert(0, _yaml_group("vmon-unit-targets", "1m", [TARGET_RULE]))
    sli = _HEADER.format(
        what="Owner-unit SLIs: intact, online, image usability, coverage; targets."
    )
    cam = _HEADER.format(what="Per-camera intact rate (1d, 30d) for worst-camera tables.")
    return {
        "sli.rules.yml": sli + "\n\n".join(unit_groups) + "\n",
        "camera.rules.yml": cam + _yaml_group("vmon-camera-sli-1h", "1h", camera_rules()) + "\n",
    }


def main(argv: list[str] | None = None) -> int:
    """Write the files (or with --check, report drift and exit 1)."""
    return write_or_check(build_files(), HERE, "alert_rules.build", argv)


if __name__ == "__main__":
    raise SystemExit(main())
