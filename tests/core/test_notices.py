"""Notices: said on stderr, dropped where a component is rebuilt under ``muted_notices``."""

from __future__ import annotations

import pytest

from ganzoo.notices import muted_notices, notice


def test_notices_are_said_unless_muted(capsys: pytest.CaptureFixture[str]) -> None:
    notice("data.csv: training on 7 of 10 rows")
    assert capsys.readouterr().err == "data.csv: training on 7 of 10 rows\n"
    with pytest.raises(RuntimeError), muted_notices():
        notice("rebuilt")
        raise RuntimeError("a failed rebuild")
    assert capsys.readouterr().err == ""
    notice("said again")  # the mute ends with its block, also when the block fails
    assert capsys.readouterr().err == "said again\n"
