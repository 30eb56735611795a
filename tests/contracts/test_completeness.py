"""The filter-completeness oracle picks a search that a partial match would miss."""

from __future__ import annotations

from diglot.contracts.completeness import pick_search


def test_the_search_is_found_inside_names_not_at_their_ends() -> None:
    groups = [{"groupName": name} for name in ("Human Resources", "Sales Resources", "Legal")]
    term = pick_search(groups)  # type: ignore[arg-type]
    assert term is not None
    assert len(term) == 3
    for name in ("human resources", "sales resources"):
        assert term in name
        assert not name.startswith(term)
        assert not name.endswith(term)


def test_no_name_no_search() -> None:
    assert pick_search([{"groupId": "1"}, {"groupName": "ab"}]) is None
