"""Both backends provide the `Catalog` protocol that indexing, search and the map are written
against: every member, methods with the protocol's parameters."""

from __future__ import annotations

import ast
import inspect
import textwrap
from pathlib import Path

import pytest

from core.index.catalog import LocalCatalog
from core.index.interface import Catalog
from core.team.catalog import TeamCatalog


def _members(protocol: type) -> tuple[set[str], dict[str, object]]:
    """(data attributes, methods and properties) the protocol names."""
    data = set(protocol.__annotations__)
    methods = {
        name: value
        for name, value in vars(protocol).items()
        if not name.startswith("_") and (callable(value) or isinstance(value, property))
    }
    return data, methods


def _set_in_init(cls: type) -> set[str]:
    """The attributes `cls.__init__` gives every instance (`self.x = ...`, `self.x: T = ...`)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls.__init__)))
    found = set()
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        for target in targets:
            if (
                isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Name)
                and target.value.id == "self"
            ):
                found.add(target.attr)
    return found


def _missing(cls: type) -> list[str]:
    data, methods = _members(Catalog)
    missing = sorted(data - _set_in_init(cls))
    for name, member in methods.items():
        mine = getattr(cls, name, None)
        if mine is None or isinstance(member, property) != isinstance(mine, property):
            missing.append(name)
        elif callable(member):
            wanted = list(inspect.signature(member).parameters)
            if list(inspect.signature(mine).parameters) != wanted:
                missing.append(f"{name}{inspect.signature(mine)}")
    return missing


@pytest.mark.parametrize("backend", [LocalCatalog, TeamCatalog])
def test_each_backend_provides_every_member_of_the_protocol(backend: type) -> None:
    assert _missing(backend) == []


def test_the_check_names_what_a_backend_lacks() -> None:
    class Partial:
        def __init__(self) -> None:
            self.data_dir = Path()
            self.keys = self.store = self.info = None

        def nearest(self, table: str, k: int) -> None: ...

    missing = _missing(Partial)
    assert "warnings" in missing and "sync" in missing and "dimension" in missing
    assert [m for m in missing if m.startswith("nearest(")] == [
        "nearest(self, table: 'str', k: 'int') -> 'None'"
    ]  # its parameters differ


def test_an_embedded_catalog_is_a_catalog(tmp_path: Path) -> None:
    catalog = LocalCatalog(tmp_path / "data")
    try:
        assert isinstance(catalog, Catalog)
    finally:
        catalog.close()
