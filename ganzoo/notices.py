"""What long work tells the user on stderr: one-line notices (and where they are muted) and progress bars.

A dataset says how it reads a user's file as it is built for training (rows held out, column
kinds). Evaluation and generation rebuild the same dataset from the run's manifest to read its
training or held-out data; they build it under [`muted_notices`][ganzoo.notices.muted_notices],
because the user saw those lines when the run was trained and they are not news then.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import IO, Any

_MUTED: ContextVar[bool] = ContextVar("ganzoo_notices_muted", default=False)


def notice(text: str) -> None:
    """Print ``text`` on stderr, unless the component is being rebuilt under ``muted_notices``."""
    if not _MUTED.get():
        print(text, file=sys.stderr)


@contextmanager
def muted_notices() -> Iterator[None]:
    """Drop the [`notice`][ganzoo.notices.notice] lines of whatever is built inside."""
    token = _MUTED.set(True)
    try:
        yield
    finally:
        _MUTED.reset(token)


def progress_bar(stream: IO[str] | None, total: int, desc: str) -> Any:
    """A tqdm bar over ``total`` samples on ``stream`` (a terminal's stderr); a silent stand-in without one."""
    from tqdm.auto import tqdm

    return tqdm(total=total, file=stream, disable=stream is None, unit="sample", dynamic_ncols=True, desc=desc)
