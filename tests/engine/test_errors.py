"""Bad requests raise specific errors from opd_sim.errors, never a bare KeyError."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import opd_sim.errors as errors
from opd_sim.engine import Engine


def test_errors_docstring_draws_every_class() -> None:
    """The errors module's docstring tree names every exception class it defines."""
    tree = errors.__doc__ or ""
    classes = [n for n in errors.__all__ if isinstance(getattr(errors, n), type)]
    assert classes and all(name in tree for name in classes)


@pytest.mark.parametrize(
    ("action", "error", "code", "fragment"),
    [
        (lambda e: e.book(99, "PAID"), errors.UnknownSlot, 2, "unknown slot id 99"),
        (lambda e: e.cancel(99), errors.UnknownToken, 2, "unknown token id 99"),
        (lambda e: e.no_show(99), errors.UnknownToken, 2, "unknown token id 99"),
        (lambda e: e.add_slot(9, 0, 10, 1), errors.UnknownDoctor, 2, "unknown doctor id 9"),
        (lambda e: e.add_slot(1, 10, 10, 1), errors.InvalidSlot, 2, "is not after its start"),
        (lambda e: e.add_slot(1, 10, 5, 1), errors.InvalidSlot, 2, "is not after its start"),
        (lambda e: e.add_slot(1, 0, 10, 0), errors.InvalidSlot, 2, "capacity must be"),
        (lambda e: e.add_slot(1, 0, 10, -2), errors.InvalidSlot, 2, "capacity must be"),
        (lambda e: e.add_slot(1, 0, 10, 1.5), errors.InvalidSlot, 2, "capacity must be"),
        (lambda e: e.book(1, "VIP"), errors.UnknownSource, 2, "unknown source 'VIP'"),
        (lambda e: e.book(1, 7), errors.UnknownSource, 2, "unknown source 7"),
        (lambda e: e.add_doctor("x", doctor_id=1), errors.DuplicateId, 2, "already in use"),
        (lambda e: Engine("nope"), errors.UnknownPolicy, 2, "unknown policy 'nope'"),
        # the message says which states allow the action: a WAITLISTED token can be cancelled too
        (lambda e: (e.cancel(1), e.cancel(1)), errors.TokenStateError, 3,
         "cannot cancel token 1: it is CANCELLED; only an ALLOCATED or WAITLISTED token can be"
         " cancelled"),
        (lambda e: e.no_show(2), errors.TokenStateError, 3,
         "cannot no-show token 2: it is WAITLISTED; only an ALLOCATED token can be marked a"
         " no-show"),
        (lambda e: e.expire(1), errors.TokenStateError, 3,
         "cannot expire token 1: it is ALLOCATED; only a WAITLISTED token can expire"),
        (lambda e: e.complete(2), errors.TokenStateError, 3,
         "cannot complete token 2: it is WAITLISTED; only an ALLOCATED token can be completed"),
    ],
)
def test_bad_requests_raise_specific_errors(action, error, code, fragment) -> None:
    """Each bad request raises its own error class with its exit code and a clear message."""
    engine = Engine()
    engine.add_doctor("Dr Rao")
    engine.add_slot(1, 540, 560, 1)
    engine.book(1, "ONLINE")
    engine.book(1, "ONLINE")
    before = [(t.id, t.status, t.slot_id) for t in engine.tokens.values()], len(engine.log)
    with pytest.raises(error) as raised:
        action(engine)
    assert raised.value.exit_code == code and fragment in str(raised.value)
    assert not isinstance(raised.value, AssertionError)
    if error is not errors.TokenStateError or "CANCELLED" not in fragment:
        after = [(t.id, t.status, t.slot_id) for t in engine.tokens.values()], len(engine.log)
        assert after == before  # a refused request changes nothing


def test_engine_raises_no_bare_lookup_errors() -> None:
    """The engine never raises KeyError itself; lookups go through helpers that raise our errors."""
    for path in Path(errors.__file__).parent.joinpath("engine").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                func = node.exc.func
                assert getattr(func, "id", "") not in {"KeyError", "AssertionError"}, path.name
