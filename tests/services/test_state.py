"""state.json: round trip, mode 0600, atomic writes, unreadable state, secrets kept out of reprs."""

from __future__ import annotations

import stat
from dataclasses import replace
from pathlib import Path

import pytest

from imagekit.errors import ServiceError, UsageError
from imagekit.services.datadir import check_dir, prepare
from imagekit.services.processes import Process
from imagekit.services.state import State, load_state, save_state


def test_state_round_trips_with_mode_0600_and_no_leftover_files(tmp_path: Path) -> None:
    state = replace(
        State.new(bucket="b", region="r"),
        s3_ports={"s3": 10001},
        host="127.0.0.1",
        port=5000,
        tls=True,
        username="alice",
        processes={"s3": Process("S3 endpoint", 7, ("weed", "mini"), tmp_path / "weed.log")},
    )
    save_state(tmp_path, state)
    assert load_state(tmp_path) == state
    assert stat.S_IMODE((tmp_path / "state.json").stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]
    save_state(tmp_path, state.stopped())
    loaded = load_state(tmp_path)
    assert loaded is not None and loaded.processes == {} and loaded.secret_key == state.secret_key


def test_new_states_have_fresh_keys_and_secrets_stay_out_of_the_repr() -> None:
    one, two = State.new(bucket="b", region="r"), State.new(bucket="b", region="r")
    assert one.secret_key != two.secret_key and one.http_secret != two.http_secret
    assert one.access_key != two.access_key
    assert len(one.secret_key) >= 40 and len(one.http_secret) >= 40
    assert one.secret_key not in repr(one) and one.http_secret not in repr(one)


def test_no_state_is_none_and_a_broken_one_is_a_service_error(tmp_path: Path) -> None:
    assert load_state(tmp_path) is None
    (tmp_path / "state.json").write_text("{not json")
    with pytest.raises(ServiceError, match=r"state.json is not a state file") as info:
        load_state(tmp_path)
    assert info.value.hint is not None and "S3 keys" in info.value.hint


def test_a_data_dir_that_is_a_file_is_a_usage_error(tmp_path: Path) -> None:
    afile = tmp_path / "file"
    afile.write_text("")
    with pytest.raises(UsageError, match=r"is not a directory"):
        check_dir(afile)
    layout = prepare(tmp_path / "new" / "dir")
    assert stat.S_IMODE(layout.root.stat().st_mode) == 0o700
    assert layout.s3_data.is_dir() and layout.logs.is_dir()
