"""Where a pydantic loc lands in the YAML file (opd_sim.scenario.positions), case by case."""

from __future__ import annotations

from opd_sim.scenario.positions import Place, locate
from opd_sim.scenario.reading import parse_yaml

TEXT = (
    "# header\n"  # 1
    "name: x\n"  # 2
    "doctors:\n"  # 3
    "  - id: a\n"  # 4
    "    consult_minutes: {dist: lognormal, mean: 8, sd: -1}\n"  # 5
    "no_show:\n"  # 6
    "  WalkIn: {probability: 2}\n"  # 7
    "policy: fifo\n"  # 8
    "base: &b {per_hour: 1}\n"  # 9
    "demand:\n"  # 10
    "  walkin:\n"  # 11
    "    <<: *b\n"  # 12
    "    hourly_profile: [1, 2]\n"  # 13
)
TREE = parse_yaml(TEXT, "t.yaml")


def test_a_value_is_placed_at_the_value() -> None:
    """A bad value points at the value itself, 1-based."""
    assert locate(TREE, ("name",)) == Place(2, 7, "name")
    assert locate(TREE, ("demand", "walkin", "hourly_profile", 1)) == Place(
        13, 25, "demand.walkin.hourly_profile.1"
    )


def test_a_key_is_placed_at_the_key() -> None:
    """An unknown key points at the key."""
    assert locate(TREE, ("base",), at="key") == Place(9, 1, "base")


def test_a_missing_key_is_placed_at_its_mapping() -> None:
    """A key that is not in the file points at the mapping that lacks it."""
    assert locate(TREE, ("doctors", 0, "name")) == Place(4, 5, "doctors.0.name")
    assert locate(TREE, ("days",)) == Place(2, 1, "days")


def test_a_distribution_tag_is_skipped() -> None:
    """pydantic's tag in a distribution's loc is not a key of the file and not in the path."""
    place = locate(TREE, ("doctors", 0, "consult_minutes", "lognormal", "sd"))
    assert place == Place(5, 53, "doctors.0.consult_minutes.sd")


def test_keys_a_validator_recased_are_found_as_written() -> None:
    """Source keys lower-cased by a validator are matched in any case and named as written."""
    assert locate(TREE, ("no_show", "walkin", "probability")) == Place(
        7, 25, "no_show.WalkIn.probability"
    )
    assert locate(TREE, ("no_show", "walkin", "[key]")) == Place(7, 3, "no_show.WalkIn")


def test_a_scalar_expanded_by_a_validator_is_blamed_whole() -> None:
    """``policy: fifo`` read as {name: fifo}: a problem with the name points at ``fifo``."""
    assert locate(TREE, ("policy", "name")) == Place(8, 9, "policy")


def test_a_merged_key_falls_back_to_its_mapping() -> None:
    """A key that came in through ``<<`` has no place of its own: its mapping stands in."""
    assert locate(TREE, ("demand", "walkin", "per_hour")) == Place(12, 5, "demand.walkin.per_hour")
