"""Purpose limitation: which crimes and urgencies may be searched for, under which PIPA 18(2) items.

Plain Python on purpose: the table is the policy, and it is read by the order service, the API schema
and the documentation alike. Adding a category here is a policy decision, not a code change.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class LegalBasis:
    code: str  # as written in the API, e.g. "18-2-7"
    item: int  # PIPA Article 18(2) item number
    text: str  # the statute's wording, shown to people

    @property
    def requires_publication(self) -> bool:
        """Article 18(4): provisions under items other than 1 and 7 are published by the municipality."""
        return self.item not in (1, 7)


LEGAL_BASES: dict[str, LegalBasis] = {
    basis.code: basis
    for basis in (
        LegalBasis("18-2-2", 2, _("Another statute specially provides for it (e.g. a warrant)")),
        LegalBasis(
            "18-2-3",
            3,
            _("Manifestly necessary to protect a person's life, body or property from imminent danger"),
        ),
        LegalBasis("18-2-7", 7, _("Necessary for the investigation of a crime and its prosecution")),
        LegalBasis("18-2-10", 10, _("Urgently necessary for public safety")),
    )
}


@dataclass(frozen=True)
class CrimeCategory:
    slug: str
    label: str
    bases: frozenset[str]  # legal basis codes this category may use
    urgent_life: bool = False  # an urgent threat to life: someone must confirm the urgency

    @property
    def needs_case_number(self) -> bool:
        return "18-2-7" in self.bases


# The model fields' choices: item code and the statute's words.
LEGAL_BASIS_CHOICES = [(code, basis.text) for code, basis in LEGAL_BASES.items()]

_CRIME = frozenset({"18-2-2", "18-2-7"})
_CRIME_AND_DANGER = frozenset({"18-2-2", "18-2-3", "18-2-7"})
_LIFE = frozenset({"18-2-3"})

CRIME_CATEGORIES: dict[str, CrimeCategory] = {
    category.slug: category
    for category in (
        CrimeCategory("murder", _("Murder"), _CRIME),
        CrimeCategory("robbery", _("Robbery"), _CRIME),
        CrimeCategory("kidnapping", _("Kidnapping"), _CRIME_AND_DANGER),
        CrimeCategory("sexual-violence", _("Sexual violence"), _CRIME),
        CrimeCategory("arson", _("Arson"), _CRIME),
        CrimeCategory("aggravated-assault", _("Aggravated assault or injury"), _CRIME),
        CrimeCategory("hit-and-run", _("Hit-and-run causing injury or death"), _CRIME),
        CrimeCategory("drug-trafficking", _("Drug trafficking"), _CRIME),
        CrimeCategory("escaped-prisoner", _("Escaped prisoner or wanted fugitive"), _CRIME),
        CrimeCategory("suicide-risk", _("Person at risk of suicide"), _LIFE, urgent_life=True),
        CrimeCategory("missing-child", _("Missing child"), _LIFE, urgent_life=True),
        CrimeCategory("missing-dementia", _("Missing dementia patient"), _LIFE, urgent_life=True),
        CrimeCategory("public-safety", _("Disaster or public-safety emergency"), frozenset({"18-2-10"})),
    )
}


# Requests that come up and are refused, with the reason shown to the officer. Anything not in
# CRIME_CATEGORIES is refused too; these only get a more specific message.
REFUSED_PURPOSES: dict[str, str] = {
    "parking": _("A parking offence is not a serious crime or an urgent danger to life."),
    "illegal-parking": _("A parking offence is not a serious crime or an urgent danger to life."),
    "speeding": _("A traffic violation is not a serious crime or an urgent danger to life."),
    "traffic-violation": _("A traffic violation is not a serious crime or an urgent danger to life."),
    "unpaid-tax": _("Collecting unpaid taxes or fines is not a purpose the search may be used for."),
    "unpaid-fine": _("Collecting unpaid taxes or fines is not a purpose the search may be used for."),
    "unregistered-vehicle": _("An administrative vehicle offence is not a serious crime or an urgent danger."),
    "insurance-lapse": _("An administrative vehicle offence is not a serious crime or an urgent danger."),
    "theft": _("Simple theft is not on the list; a robbery (theft with violence) is."),
}


def purpose_errors(*, crime: str, legal_basis: str, case_number: str, urgency_confirmed_by: str) -> dict[str, str]:
    """Why an order may not be issued for this purpose, by field; empty when the purpose is allowed.

    The rules: the category must be on the list; its legal basis must be one the category allows; an order
    under 18(2)7 (criminal investigation) or 18(2)2 (another statute, e.g. a warrant) names its case; an
    order under 18(2)3 (imminent danger to life) names who confirmed the urgency.
    """
    category = CRIME_CATEGORIES.get(crime)
    if category is None:
        reason = REFUSED_PURPOSES.get(crime) or _(
            "Only serious crimes and urgent dangers to life may be searched for; this category is not on the list."
        )
        message = _("'%(crime)s' is refused: %(reason)s Allowed categories: %(allowed)s.")
        return {"crime": str(message) % {"crime": crime, "reason": reason, "allowed": ", ".join(CRIME_CATEGORIES)}}
    allowed_bases = ", ".join(sorted(category.bases))
    if legal_basis not in LEGAL_BASES:
        message = _("'%(basis)s' is not a PIPA Article 18(2) item this system uses; %(crime)s allows %(allowed)s.")
        return {"legal_basis": str(message) % {"basis": legal_basis, "crime": crime, "allowed": allowed_bases}}
    if legal_basis not in category.bases:
        message = _(
            "%(label)s (%(crime)s) may not be searched for under %(basis)s: that item does not cover this "
            "purpose. Allowed: %(allowed)s."
        )
        values = {"label": category.label, "crime": crime, "basis": legal_basis, "allowed": allowed_bases}
        return {"legal_basis": str(message) % values}
    errors: dict[str, str] = {}
    item = LEGAL_BASES[legal_basis].item
    if item in CASE_NUMBER_ITEMS and not case_number.strip():
        errors["case_number"] = str(_("A case number is required for an order under %(basis)s.")) % {
            "basis": legal_basis
        }
    if item in URGENCY_CONFIRMATION_ITEMS and not urgency_confirmed_by.strip():
        message = _("An order under %(basis)s records who confirmed the urgency (name and rank or post).")
        errors["urgency_confirmed_by"] = str(message) % {"basis": legal_basis}
    return errors


# Items whose orders must name their case (an investigation, a warrant) or who confirmed the urgency.
CASE_NUMBER_ITEMS = frozenset({2, 7})
URGENCY_CONFIRMATION_ITEMS = frozenset({3})
