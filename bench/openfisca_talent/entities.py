"""The only entity: a person applying (OpenFisca needs no group for these rules)."""

from openfisca_core.entities import build_entity

Person = build_entity(
    key="person",
    plural="persons",
    label="An applicant",
    is_person=True,
)
