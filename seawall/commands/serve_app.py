"""The uvicorn worker factory for `seawall serve --alias`: the service, wired to the region's
registry and promotion ledger (the composition root may import both; the service may not)."""

from __future__ import annotations


def app_from_env():
    from artifacts.registry.following import RegistrySource
    from service import create_app
    from service.settings import get_settings

    settings = get_settings()
    source = RegistrySource(home=settings.follow_home, region=settings.region,
                            alias=settings.follow_alias, model=settings.follow_model,
                            catalogue=settings.catalogue,
                            allow_unapproved=settings.allow_unapproved)
    return create_app(settings, source)
