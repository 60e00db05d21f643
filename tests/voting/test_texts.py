"""The words of the public board: every event kind of the record has a sentence in each language."""
from __future__ import annotations

import pytest
from flask_babel import force_locale

from voting.record import EVENT_TYPES
from voting.texts import event_words

pytestmark = pytest.mark.no_db


@pytest.mark.parametrize("lang", ["fr", "nl", "en"])
def test_every_event_kind_has_words(lang):
    with force_locale(lang):
        words = {kind: event_words(kind) for kind in EVENT_TYPES}
    assert all(words[kind] != kind for kind in EVENT_TYPES), words
    assert len(set(words.values())) == len(EVENT_TYPES)  # no two kinds read the same
    if lang != "en":
        with force_locale("en"):
            assert words["ballot"] != event_words("ballot")  # translated, not the English fallback
