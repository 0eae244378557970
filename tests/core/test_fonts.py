"""The CJK font's parsed face kept in the cache directory, and the collector's pause."""

from __future__ import annotations

import gc
import io
import os
import pickle
import threading

import pytest
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from assistcase.gcpause import cyclic_gc_paused
from assistcase.reports import fonts

TEXT = "低保 王秀英 110101199003077777 ¥1,234.56 鄄城县"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTCASE_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _pdf(font: TTFont) -> bytes:
    """One line drawn in ``font`` (registered as T), deterministic bytes."""
    pdfmetrics.registerFont(font)
    out = io.BytesIO()
    c = Canvas(out, invariant=1)
    c.setFont(font.fontName, 12)
    c.drawString(40, 700, TEXT)
    c.showPage()
    c.save()
    return out.getvalue()


def test_the_cached_face_equals_the_parsed_one_and_draws_the_same_pdf(cache):
    path = fonts.CJK_FONT_PATH
    assert fonts._cached_face(path) is None
    first = fonts.load_ttfont("T", path)       # parsed, and kept
    assert fonts._face_cache(path).is_file()
    cached = fonts.load_ttfont("T", path)
    parsed = TTFont("T", str(path))
    assert cached.face is not first.face
    assert fonts._cached_face(path) is not None

    assert vars(cached).keys() == vars(parsed).keys()
    for key, value in vars(parsed).items():
        if key not in ("face", "encoding", "state"):
            assert vars(cached)[key] == value, key
    assert type(cached.encoding) is type(parsed.encoding)
    assert type(cached.state) is type(parsed.state) and not cached.state
    assert vars(cached.face).keys() == vars(parsed.face).keys()
    for key, value in vars(parsed.face).items():
        if key != "_pdfScale":
            assert vars(cached.face)[key] == value, key
    assert cached.face._pdfScale(2048) == parsed.face._pdfScale(2048)
    assert cached.face.name.ustr == parsed.face.name.ustr

    assert _pdf(cached) == _pdf(parsed)


def test_a_damaged_cache_is_made_again(cache):
    path = fonts.CJK_FONT_PATH
    fonts.load_ttfont("T", path)
    kept = fonts._face_cache(path)
    kept.write_bytes(b"not a pickle")
    assert fonts._cached_face(path) is None
    font = fonts.load_ttfont("T", path)
    assert font.face.charToGlyph[ord("王")]
    assert fonts._cached_face(path) is not None    # written again


def test_a_cache_naming_anything_but_plain_data_is_not_loaded(cache):
    path = fonts.CJK_FONT_PATH
    kept = fonts._face_cache(path)
    kept.parent.mkdir(parents=True)
    flag = cache / "ran"

    class Payload:
        def __reduce__(self):
            return (os.mkdir, (str(flag),))

    kept.write_bytes(pickle.dumps({"filename": str(path), "x": Payload()}))
    assert fonts._cached_face(path) is None
    assert not flag.exists()


def test_an_unwritable_cache_directory_still_gives_the_font(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("ASSISTCASE_CACHE_DIR", str(blocker / "cache"))
    font = fonts.load_ttfont("T", fonts.CJK_FONT_PATH)
    assert font.face.charWidths[ord("保")] > 0


def test_the_collector_is_paused_inside_and_restored_as_it_was():
    assert gc.isenabled()
    with cyclic_gc_paused():
        assert not gc.isenabled()
        with cyclic_gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with cyclic_gc_paused():
            pass
        assert not gc.isenabled()     # it was off (the app's start): left off
    finally:
        gc.enable()


def test_overlapping_pauses_on_two_threads_end_with_the_collector_on():
    inside, release = threading.Event(), threading.Event()

    def other() -> None:
        with cyclic_gc_paused():
            inside.set()
            release.wait(10)

    t = threading.Thread(target=other)
    with cyclic_gc_paused():
        t.start()
        assert inside.wait(10)
    assert not gc.isenabled()         # the other thread's block still runs
    release.set()
    t.join(10)
    assert gc.isenabled()
