"""What approving or withdrawing each kind of pending action does, registered by its app.

The approvals app sits below every app that owns an irreversible action, so it
cannot call their services; each app registers its effects in its
``AppConfig.ready`` instead (as receivers connect to a signal). An effect runs
inside the approval's transaction, after the action's row lock is taken: the
approval and its effect commit together or not at all. An effect that finds the
record no longer allows it (the note converted meanwhile) raises
``approvals.services.ApprovalConflict`` or a ``ValidationError``; the action
then stays pending and may be withdrawn.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Effect:
    """``approve(action, user)`` carries the action out and returns what it did, in words;
    ``withdraw(action, user)`` undoes what holding it left behind (may be None)."""

    approve: Callable[..., str]
    withdraw: Callable[..., None] | None = None


_effects: dict[str, Effect] = {}


def effect_register(kind: str, *, approve: Callable[..., str], withdraw=None) -> None:
    _effects[kind] = Effect(approve=approve, withdraw=withdraw)


def effect_for(kind: str) -> Effect:
    try:
        return _effects[kind]
    except KeyError:
        raise LookupError(f"No effect is registered for {kind!r} actions.") from None
