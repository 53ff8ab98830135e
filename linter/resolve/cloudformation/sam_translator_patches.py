"""Two speed-ups of aws-sam-translator, applied around the linter's own calls only (``scoped_patches``), never to
the process as a whole: inside cfn-lint, or any other caller of the translator in the same process, the library
behaves as shipped.

* The translator builds its policy-template plugin afresh for every template and validates SAM's own templates
  file against a JSON schema each time: 100 ms of a 130 ms transform. The plugin holds no state between
  templates, so one instance serves every template the linter transforms.
* The application plugin asks botocore, for every template, whether the Serverless Application Repository exists
  in the region (0.3 s of endpoint data each time); the answer does not change within a run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

# The translator's modules are shared by every thread of the process: one patched call at a time.
_LOCK = threading.Lock()


@cache
def _plugin_made_by(make: Callable[[], Any]) -> Any:
    """One policy-template plugin per factory (the translator's own), made once."""
    return make()


@cache
def _supported(ask: Callable[[str, str | None], bool], service: str, region: str | None) -> bool:
    return ask(service, region)


@contextmanager
def scoped_patches() -> Iterator[None]:
    """The translator with the cached plugin and region answers, restored as it was on the way out."""
    import samtranslator.translator.translator as translator_module
    from samtranslator.region_configuration import RegionConfiguration

    with _LOCK:
        make = translator_module.make_policy_template_for_function_plugin
        ask = RegionConfiguration.is_service_supported  # bound to the class: what the translator calls
        descriptor = RegionConfiguration.__dict__["is_service_supported"]  # the classmethod itself, to put back
        translator_module.make_policy_template_for_function_plugin = lambda: _plugin_made_by(make)
        RegionConfiguration.is_service_supported = staticmethod(
            lambda service, region=None: _supported(ask, service, region)
        )
        try:
            yield
        finally:
            translator_module.make_policy_template_for_function_plugin = make
            RegionConfiguration.is_service_supported = descriptor
