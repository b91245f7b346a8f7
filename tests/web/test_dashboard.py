"""The overview: counts per theme, agency and month, only over what the viewer may see."""

import re

from signalen.auth.models import Role
from signalen.signals.models import Visibility
from tests.conftest import login


def test_overview_counts_visible_signals_as_svg_and_table(client, make_signal, make_user):
    make_signal(themes=("Betaling/Uitkering te laat",), agency="UWV", report_count=2)
    make_signal(themes=("Betaling",), agency="UWV")
    make_signal(themes=("Terugvordering",), agency="SVB", visibility=Visibility.INTERNAL)

    anonymous = client.get("/overzicht").get_data(as_text=True)
    assert "0 knelpunten" in anonymous

    login(client, make_user(Role.READER))
    page = client.get("/overzicht").get_data(as_text=True)
    assert "2 knelpunten, samen 3 keer gemeld." in page
    assert page.count('<svg class="bar-chart"') == 3
    rows = dict(re.findall(r"<tr><td><a [^>]+>([^<]+)</a></td><td>(\d+)</td></tr>", page))
    assert rows["Betaling"] == "2"  # two signals in the main theme, sub-theme included
    assert rows["UWV"] == "2"
    assert "SVB" not in rows  # intern signal of another organisation
    assert "Terugvordering" not in rows
