"""Reference data about clients that the business may change, kept in one place.

Each list names its source. Codes are stable identifiers stored in the database;
labels are translated on screen.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Industry:
    code: str
    label: Promise
    # Seed 000 names these sectors as where covered high-value clients come from,
    # and the "new quality productive forces" sectors as growth areas.
    high_potential: bool = False


INDUSTRIES: tuple[Industry, ...] = (
    Industry("internet", _("Computer, internet, electronics, e-commerce"), True),
    Industry("tmt", _("TMT (technology, media, telecom)"), True),
    Industry("trade_consumer", _("Trade and consumer goods"), True),
    Industry("manufacturing", _("Manufacturing"), True),
    Industry("real_estate", _("Real estate and construction"), True),
    Industry("new_energy", _("New energy"), True),
    Industry("new_materials", _("New materials"), True),
    Industry("high_end_equipment", _("High-end equipment"), True),
    Industry("nev", _("New energy vehicles"), True),
    Industry("agi", _("Artificial intelligence"), True),
    Industry("aerospace", _("Commercial aerospace"), True),
    Industry("low_altitude", _("Low-altitude economy"), True),
    Industry("quantum", _("Quantum technology"), True),
    Industry("finance", _("Finance and insurance")),
    Industry("healthcare", _("Healthcare and pharmaceuticals")),
    Industry("education", _("Education and research")),
    Industry("government", _("Government and public institutions")),
    Industry("professional_services", _("Legal, accounting and consulting")),
    Industry("logistics", _("Transport and logistics")),
    Industry("catering_tourism", _("Catering, hotels and tourism")),
    Industry("agriculture", _("Agriculture")),
    Industry("culture_media", _("Culture, sports and entertainment")),
    Industry("other", _("Other")),
)

INDUSTRY_CHOICES = [(industry.code, industry.label) for industry in INDUSTRIES]
HIGH_POTENTIAL_INDUSTRIES = frozenset(i.code for i in INDUSTRIES if i.high_potential)

# Occupation risk classes as used by Chinese insurers: 1 (office work) to 6
# (highest-risk manual work). Classes above 4 usually restrict accident and
# life cover, which later work on risks and scoring relies on.
OCCUPATION_CLASSES = [
    (1, _("Class 1 – office, indoor work")),
    (2, _("Class 2 – occasional field work")),
    (3, _("Class 3 – light manual work")),
    (4, _("Class 4 – manual work with some risk")),
    (5, _("Class 5 – hazardous work")),
    (6, _("Class 6 – highly hazardous work")),
]

# Province-level codes that open a resident ID number (GB/T 2260), used to reject
# numbers that cannot exist.
ID_PROVINCE_CODES = frozenset(
    {
        "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35",
        "36", "37", "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54",
        "61", "62", "63", "64", "65", "71", "81", "82", "83", "91",
    }
)  # fmt: skip
