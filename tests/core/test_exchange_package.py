"""The package file streams: a payload of many megabytes (more than one chunk of the
compressor, the cipher and the line reader) comes back item for item, and one changed byte
refuses it before any item is given."""

from __future__ import annotations

import pytest

from assistcase.security.package import CHUNK, Manifest, PackageError, new_key, open_package, \
    write_package


def _items(n):
    # incompressible enough that the file spans several chunks, with multi-byte characters
    return [{"kind": "person", "gid": f"{i:032x}", "fields": {"name": "张" * (i % 7 + 1),
                                                              "note": f"{i * 7919:x}" * 9}}
            for i in range(n)]


def test_a_large_payload_streams_back_item_for_item(tmp_path):
    key = new_key()
    items = _items(40_000)
    path = write_package(tmp_path / "p.acx", key,
                         Manifest("A", "B", 1, 0, "2026-01-01T00:00:00"), items)
    manifest, read = open_package(path, key, "B")
    assert manifest.payload_length > 3 * CHUNK
    assert list(read()) == items
    assert not list(tmp_path.glob("*.part"))


def test_one_changed_byte_in_a_large_package_is_refused_before_any_item(tmp_path):
    key = new_key()
    path = write_package(tmp_path / "p.acx", key,
                         Manifest("A", "B", 1, 0, "2026-01-01T00:00:00"), _items(40_000))
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x20
    path.write_bytes(bytes(data))
    with pytest.raises(PackageError) as err:
        open_package(path, key, "B")
    assert err.value.reason == "altered"
