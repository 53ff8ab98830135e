"""Speed-ups of aws-sam-translator, applied around the linter's own calls only (``scoped_patches``), never to
the process as a whole: inside cfn-lint, or any other caller of the translator in the same process, the library
behaves as shipped.

* The translator builds its policy-template plugin afresh for every template and validates SAM's own templates
  file against a JSON schema each time: 100 ms of a 130 ms transform. The plugin holds no state between
  templates, so one instance serves every template the linter transforms.
* The application plugin asks botocore, for every template, whether the Serverless Application Repository exists
  in the region (0.3 s of endpoint data each time); the answer does not change within a run.
* Each template, the translator builds its map of SAM resource types by inspecting the members of its resource
  module (a millisecond a template); the map is the same every time, and the translator's other resolvers
  (``event_resolver`` of a function or state machine) are already shared by every template.
* Whether a resource is SAM's is asked of every resource, by every plugin, by scanning SAM's resource-type enum
  and reading each member's value through the enum machinery: a fifth of a transform on templates with many
  plain resources. A string is looked up in the set of those values instead (other values keep the scan).
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


@cache
def _resolver(make: Callable[..., Any], modules: tuple[Any, ...]) -> Any:
    """One resource-type resolver per set of modules (it only maps type names to classes, and nothing changes
    the map once it is made)."""
    return make(*modules)


@cache
def _sam_types(enum: Any) -> frozenset[str]:
    return frozenset(item.value for item in enum)


def _has_value(scan: Callable[[Any], bool], enum: Any) -> Callable[[Any], bool]:
    """SamResourceType.has_value: the same answer, for a string by one set lookup."""
    return lambda value: value in _sam_types(enum) if type(value) is str else scan(value)


@contextmanager
def scoped_patches() -> Iterator[None]:
    """The translator with the cached plugin, region answers, resource-type map and SAM type set, restored as it
    was on the way out."""
    import samtranslator.translator.translator as translator_module
    from samtranslator.region_configuration import RegionConfiguration
    from samtranslator.sdk.resource import SamResourceType

    with _LOCK:
        make = translator_module.make_policy_template_for_function_plugin
        ask = RegionConfiguration.is_service_supported  # bound to the class: what the translator calls
        descriptor = RegionConfiguration.__dict__["is_service_supported"]  # the classmethod itself, to put back
        resolver_class = translator_module.ResourceTypeResolver
        scan = SamResourceType.has_value
        has_value = SamResourceType.__dict__["has_value"]
        translator_module.make_policy_template_for_function_plugin = lambda: _plugin_made_by(make)
        RegionConfiguration.is_service_supported = staticmethod(
            lambda service, region=None: _supported(ask, service, region)
        )
        translator_module.ResourceTypeResolver = lambda *modules: _resolver(resolver_class, modules)
        SamResourceType.has_value = staticmethod(_has_value(scan, SamResourceType))
        try:
            yield
        finally:
            translator_module.make_policy_template_for_function_plugin = make
            RegionConfiguration.is_service_supported = descriptor
            translator_module.ResourceTypeResolver = resolver_class
            SamResourceType.has_value = has_value
