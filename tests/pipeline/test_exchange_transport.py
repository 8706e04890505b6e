"""The exchange's transport is injected by configuration (on the hub, by the hub's
settings): the pipeline names no transport of its own and imports nothing of the hub."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from parcours.errors import ConfigurationError
from parcours.i18n import language
from parcours.pipeline.exchange import ParcoursExchangeList
from traitlets.config import Config

CARRIED: list[tuple[Any, Callable[[], Any]]] = []


def carry(exchange: Any, local: Callable[[], Any]) -> list[str]:
    """A transport: keeps what it was given, answers for nbgrader."""
    CARRIED.append((exchange, local))
    return ["carried"]


def _lister(transport: str) -> ParcoursExchangeList:
    config = Config()
    config.ParcoursConfig.exchange_transport = transport
    return ParcoursExchangeList(config=config)


def test_the_configured_transport_carries_the_operation() -> None:
    lister = _lister(f"{__name__}.carry")
    assert lister.start() == ["carried"]
    (exchange, local), *_ = CARRIED
    assert exchange is lister and callable(local)  # nbgrader's own, for what it declines


def test_a_transport_that_cannot_be_imported_is_named() -> None:
    with language("en"), pytest.raises(ConfigurationError, match=r"'nowhere\.carry' cannot"):
        _lister("nowhere.carry").start()
    with language("fr"), pytest.raises(ConfigurationError, match=r"« nowhere\.carry » ne peut"):
        _lister("nowhere.carry").start()


def test_the_hub_names_its_transport_in_every_server(monkeypatch: pytest.MonkeyPatch) -> None:
    from parcours.config import ParcoursConfig
    from parcours.hub.exchange import EXCHANGE_TRANSPORT, through_service
    from traitlets.utils.importstring import import_item

    assert import_item(EXCHANGE_TRANSPORT) is through_service
    monkeypatch.setenv("PARCOURS_EXCHANGE_TRANSPORT", EXCHANGE_TRANSPORT)
    assert ParcoursConfig().exchange_transport == EXCHANGE_TRANSPORT
