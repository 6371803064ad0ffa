"""Registry configs as YAML text: what is written parses back as the tree it came from."""

from __future__ import annotations

from pathlib import Path

import yaml

from imagekit.services.configfile import render
from imagekit.services.distribution import Tls, embedded_config
from imagekit.services.s3 import Endpoint


def test_render_writes_comments_and_parses_back() -> None:
    tree = {
        "# a comment that is long enough to be wrapped onto a second line because it goes "
        "past the width of eighty-eight characters": None,
        "version": "0.1",
        "storage": {"s3": {"bucket": "b: with colon", "secure": False, "n": 3}},
        "headers": {"X": ["nosniff", "two"]},
        "list": [{"name": "a", "x": 1}, {"name": "b"}],
    }
    text = render(tree)
    comments = [line for line in text.splitlines() if line.startswith("#")]
    assert len(comments) == 2 and all(len(line) <= 88 for line in comments)
    assert yaml.safe_load(text) == {
        "version": "0.1",
        "storage": {"s3": {"bucket": "b: with colon", "secure": False, "n": 3}},
        "headers": {"X": ["nosniff", "two"]},
        "list": [{"name": "a", "x": 1}, {"name": "b"}],
    }


def test_embedded_config_has_the_s3_driver_and_what_was_asked() -> None:
    endpoint = Endpoint("http://127.0.0.1:12345", "us-east-1", "AK", "SK")
    plain = yaml.safe_load(
        embedded_config(addr="127.0.0.1:5000", endpoint=endpoint, bucket="bkt", http_secret="HS")
    )
    assert plain["storage"]["s3"] == {
        "accesskey": "AK",
        "secretkey": "SK",
        "region": "us-east-1",
        "regionendpoint": "http://127.0.0.1:12345",
        "bucket": "bkt",
        "secure": False,
        "v4auth": True,
        "rootdirectory": "/registry",
    }
    assert "filesystem" not in plain["storage"]
    assert plain["storage"]["delete"] == {"enabled": True}
    assert plain["storage"]["redirect"] == {"disable": True}
    # distribution 2.8's purger panics on the folder keys SeaweedFS lists: off, gc purges
    assert plain["storage"]["maintenance"]["uploadpurging"] == {"enabled": False}
    assert plain["health"]["storagedriver"]["enabled"] is True
    assert plain["http"] == {"addr": "127.0.0.1:5000", "secret": "HS"}
    assert "auth" not in plain
    full = yaml.safe_load(
        embedded_config(
            addr="127.0.0.1:5000",
            endpoint=endpoint,
            bucket="bkt",
            http_secret="HS",
            htpasswd=Path("/d/htpasswd"),
            tls=Tls(Path("/d/tls/server.crt"), Path("/d/tls/server.key")),
        )
    )
    assert full["auth"] == {"htpasswd": {"realm": "imagekit-registry", "path": "/d/htpasswd"}}
    assert full["http"]["tls"] == {"certificate": "/d/tls/server.crt", "key": "/d/tls/server.key"}
