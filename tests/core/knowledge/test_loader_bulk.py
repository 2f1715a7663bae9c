"""The loader's batched phrasing keys give exactly what its per-phrasing code gives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.knowledge import loader
from bot.core.knowledge.loader import phrasing_key, phrasing_keys

KEY_TEXT = st.text(alphabet="aB_ 9?!.,-\t\n\x1e\x1f'é€ß", max_size=20)


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(st.one_of(KEY_TEXT, st.text(max_size=20)), max_size=12))
def test_phrasing_keys_are_those_of_each_text(texts: list[str]):
    assert phrasing_keys(texts) == [phrasing_key(t) for t in texts]


def test_phrasing_keys_across_batches(monkeypatch):
    texts = [f"Question {i}?!" if i % 7 else f"Quéstion  {i}\x1e" for i in range(50)]
    expected = [phrasing_key(t) for t in texts]
    monkeypatch.setattr(loader, "_KEYS_AT_A_TIME", 4)
    assert phrasing_keys(texts) == expected
    assert phrasing_keys([]) == []
