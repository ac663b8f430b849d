"""One reading of a date filter for the command line and the chat: YYYY, YYYY-MM or YYYY-MM-DD, real dates only."""
from __future__ import annotations

from datetime import date

import pytest

from landinfo.records import period


def test_a_period_covers_its_whole_year_month_or_day():
    assert period("2024") == (date(2024, 1, 1), date(2024, 12, 31))
    assert period("2024-02") == (date(2024, 2, 1), date(2024, 2, 29))
    assert period("2024-03-05") == (date(2024, 3, 5), date(2024, 3, 5))


@pytest.mark.parametrize("text", ["", "yesterday", "2024-1", "24-03-01", "2024-13", "2024-02-30", "２０２４"])
def test_what_is_not_a_date_is_refused_in_the_chat_as_on_the_command_line(text):
    from landinfo.ui import _is_period

    with pytest.raises(ValueError):
        period(text)
    assert not _is_period(text)
