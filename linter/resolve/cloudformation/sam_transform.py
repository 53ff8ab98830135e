"""SAM templates through the real aws-sam-translator, offline, with positions traced back to the SAM source.

Why the real transform: SAM decides what a function's role may do (generated roles, ``Policies`` and policy
templates, destination grants of ``EventInvokeConfig`` and of stream/Kafka events, Connectors, managed policies of
event sources) and that logic changes with every SAM release. Re-implementing it rule by rule drifted (Connectors,
self-managed Kafka and MSK S3 grants were missing), so the template is transformed exactly as CloudFormation would
and the plain CloudFormation builder reads the result.

What the transform needs offline: what ``sam package`` and a deployment would give it (sam_package.py: packaged
URIs, parameter values); and
* a region (a stand-in session; only the partition is derived from it) and a managed policy name map (the linter's
  own snapshot; unknown names stay as written, as SAM does).

Positions: the translator returns plain data without marks, so marks are grafted back from the SAM source by
logical id (``<Function>Role``, ``<Function>EventInvokeConfig``, ``<Function><Event>``, ``<Resource><Connector>``)
and, inside a resource, by walking the generated properties beside the source properties they came from. Findings
then point at the SAM source: the destination key of the function's ``EventInvokeConfig`` or of the event's
``DestinationConfig``, the ``Policies`` entry or statement, the connector.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any

from infra_policy_linter.model.located import ParseError
from infra_policy_linter.parsers.cloudformation import Template
from infra_policy_linter.resolve.cloudformation.sam_package import package, parameter_values, plain
from infra_policy_linter.resolve.cloudformation.sam_translator_patches import scoped_patches

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"


@dataclass
class PolicyOrigin:
    label: str  # how a message names the policy: "SAM policy template SQSPollerPolicy in Policies of Fn"
    generated_by: str | None = None  # set when the user cannot edit the statements (a template SAM expands)


# SAM event types that are event source mappings, and the service of their source.
_EVENT_SERVICES = {
    "SQS": "sqs",
    "Kinesis": "kinesis",
    "DynamoDB": "dynamodb",
    "MSK": "kafka",
    "MQ": "mq",
    "DocumentDB": "rds",
}


@dataclass
class SamOrigin:
    """What the transform generated, traced back to the SAM source."""

    generated_roles: dict[str, str] = field(default_factory=dict)  # role logical id -> SAM resource it serves
    policies: dict[tuple[str, str], PolicyOrigin] = field(default_factory=dict)  # (resource, policy name) -> origin
    addresses: dict[str, str] = field(default_factory=dict)  # generated logical id -> how SAM's source names it
    # generated event source mapping -> the service its SAM event Type names (the source may be a parameter)
    source_services: dict[str, str] = field(default_factory=dict)


@dataclass
class Translated:
    template: Template  # the CloudFormation SAM generates, positioned in the SAM source
    origin: SamOrigin


def uses_sam(body: Any) -> bool:
    """A template that names the SAM transform, or holds SAM resources (CloudFormation would reject those without
    the transform; SAM's own tests and many fragments leave the header out, and the intent is plain)."""
    if not isinstance(body, dict):
        return False
    transform = body.get("Transform")
    names = transform if isinstance(transform, list) else [transform]
    if any(isinstance(n, str) and n == SAM_TRANSFORM for n in names):
        return True
    resources = body.get("Resources")
    return isinstance(resources, dict) and any(
        isinstance(r, dict) and isinstance(r.get("Type"), str) and r["Type"].startswith("AWS::Serverless::")
        for r in resources.values()
    )


def translate(source: Template, region: str | None) -> Translated | list[ParseError] | None:
    """The transformed template; SAM's own messages when SAM rejects it; None when the translator cannot run on
    this template for a reason that is not the template's fault (the caller then uses the linter's own model)."""
    from samtranslator.model.exceptions import ExceptionWithMessage, InvalidDocumentException
    from samtranslator.parser.parser import Parser
    from samtranslator.plugins.application.serverless_app_plugin import ServerlessAppPlugin
    from samtranslator.translator.translator import Translator

    _quiet()
    body = plain(source.body)
    if not isinstance(body, dict) or not body.get("Resources"):
        return None  # a skeleton without resources: nothing SAM would make, nothing to check
    declared = body.get("Transform")
    transforms = declared if isinstance(declared, list) else [declared]
    if "AWS::LanguageExtensions" in transforms:
        return None  # CloudFormation expands Fn::ForEach & co. before SAM runs; the translator alone cannot
    package(body)
    # No network: applications from the Serverless Application Repository are answered by a stand-in client.
    plugins = [ServerlessAppPlugin(sar_client=_OfflineRepository())]
    translator = Translator(None, Parser(), plugins=plugins, boto_session=_Session(region or "us-east-1"))
    try:
        with scoped_patches():
            out = translator.translate(
                body, parameter_values=parameter_values(body), get_managed_policy_map=_managed_policy_map
            )
    except InvalidDocumentException as exc:
        return [_error(source, cause.message) for cause in exc.causes] or [_error(source, exc.message)]
    except ExceptionWithMessage as exc:
        return [_error(source, exc.message)]
    except Exception:  # a translator limitation (a construct it cannot read offline): fall back, do not crash
        return None
    if not isinstance(out, dict):
        return None
    origin = SamOrigin()
    try:
        grafted = _graft_template(out, source.body, origin)
    except Exception:  # positions are a convenience: never lose the template over them
        return None
    return Translated(dataclasses.replace(source, body=grafted), origin)


class _Session:
    """Stands in for a boto3 session: the translator only reads the region name (for the partition)."""

    def __init__(self, region_name: str) -> None:
        self.region_name = region_name


class _OfflineRepository:
    """Stands in for the Serverless Application Repository client: an application becomes a nested stack whose
    template is remote (its outputs are then unknown, as they would be to anyone reading the repository)."""

    def create_cloud_formation_template(self, ApplicationId: str, SemanticVersion: str) -> dict[str, str]:  # noqa: N803
        return {
            "TemplateUrl": f"https://serverlessrepo.invalid/{ApplicationId}/{SemanticVersion}",
            "ApplicationId": ApplicationId,
            "TemplateId": "offline",
            "Status": "ACTIVE",
        }

    def get_application(self, ApplicationId: str, SemanticVersion: str) -> dict[str, str]:  # noqa: N803
        return {"ApplicationId": ApplicationId}

    def get_cloud_formation_template(self, ApplicationId: str, TemplateId: str) -> dict[str, str]:  # noqa: N803
        return {"Status": "ACTIVE"}


def _quiet() -> None:
    """The translator logs metrics notices and feature-toggle warnings: not the user's business, not on stderr."""
    import logging

    logger = logging.getLogger("samtranslator")
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())
        logger.propagate = False


def _managed_policy_map() -> dict[str, str]:
    from infra_policy_linter.iam.managed import _snapshot

    return {name: entry["arn"] for name, entry in _snapshot()["policies"].items()}


_RESOURCE_ID = re.compile(
    r"Resource with id \[([^\]]+)\]|Structure of the SAM template is invalid|"
    r"Event with id \[([^\]]+)\]"
)


def _error(source: Template, message: str) -> ParseError:
    """SAM's message, at the resource it names when it names one."""
    line = None
    m = _RESOURCE_ID.search(message)
    resources = source.body.get("Resources") if isinstance(source.body, dict) else None
    if m and m.group(1) and isinstance(resources, dict):
        name = m.group(1)
        # the resource itself, or the SAM resource that generated it (embedded connectors, event invoke configs)
        owners = [k for k in resources if name.startswith(str(k)) and getattr(k, "start_mark", None) is not None]
        if owners:
            line = max(owners, key=lambda k: (str(k) == name, len(str(k)))).start_mark.line + 1
    return ParseError(source.path, line, None, f"SAM rejects this template: {message}")


# -- grafting positions from the SAM source onto the generated template ------------------------------------------
class _Str(str):
    start_mark: Any = None
    end_mark: Any = None


class _Dict(dict):
    start_mark: Any = None
    end_mark: Any = None


class _List(list):
    start_mark: Any = None
    end_mark: Any = None


def _marked(node: Any, like: Any) -> Any:
    """``node`` carrying the position of ``like`` (when ``like`` has one)."""
    start = getattr(like, "start_mark", None)
    if start is None:
        return node
    if isinstance(node, dict):
        out: Any = _Dict(node)
    elif isinstance(node, list):
        out = _List(node)
    elif isinstance(node, str):
        out = _Str(node)
    else:
        return node
    out.start_mark, out.end_mark = start, getattr(like, "end_mark", None)
    return out


def _source_key(mapping: Any, key: str) -> Any:
    for k in mapping.keys() if isinstance(mapping, dict) else []:
        if k == key:
            return k
    return None


def _graft(node: Any, source: Any, aliases: dict[str, tuple[str, ...]] | None = None) -> Any:
    """Walk ``node`` beside ``source`` and copy positions wherever the two have the same shape."""
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            sk = None
            if isinstance(source, dict):
                for name in (k,) + (aliases or {}).get(k, ()):
                    sk = _source_key(source, name)
                    if sk is not None:
                        break
            out[_marked(k, sk) if sk is not None else k] = _graft(v, source[sk] if sk is not None else None)
        return _marked(out, source)
    if isinstance(node, list):
        if isinstance(source, list) and len(source) == len(node):
            return _marked([_graft(v, s) for v, s in zip(node, source, strict=True)], source)
        return _marked([_graft(v, None) for v in node], source)
    return _marked(node, source)


def _blanket(node: Any, source: Any) -> Any:
    """Every dict and list under ``node`` positioned at ``source``: generated statements point at what made them."""
    if isinstance(node, dict):
        return _marked({k: _blanket(v, source) for k, v in node.items()}, source)
    if isinstance(node, list):
        return _marked([_blanket(v, source) for v in node], source)
    return node


def _graft_template(out: dict[str, Any], body: Any, origin: SamOrigin) -> dict[str, Any]:
    src = body.get("Resources") if isinstance(body.get("Resources"), dict) else {}
    globals_ = body.get("Globals") if isinstance(body.get("Globals"), dict) else {}
    result = dict(out)
    for section in ("Parameters", "Conditions", "Mappings", "Outputs"):
        if isinstance(out.get(section), dict) and isinstance(body.get(section), dict):
            result[section] = _graft(out[section], body[section])
    ids = sorted((str(k) for k in src), key=len, reverse=True)
    resources = {}
    for tid, res in (out.get("Resources") or {}).items():
        sid = tid if tid in src else next((s for s in ids if tid.startswith(s)), None)
        if sid is None:
            resources[tid] = res
            continue
        key_node, grafted = _graft_resource(tid, sid, res, src, globals_, origin)
        resources[_marked(tid, key_node)] = grafted
    result["Resources"] = resources
    return result


def _graft_resource(
    tid: str, sid: str, res: Any, src: dict[Any, Any], globals_: dict[str, Any], origin: SamOrigin
) -> tuple[Any, Any]:
    """(source node the generated resource ``tid`` points at, the resource with positions) for a resource of the
    output that the source resource ``sid`` made (``tid == sid``: the same resource, transformed)."""
    skey = _source_key(src, sid)
    sres = src[skey]
    stype = sres.get("Type") if isinstance(sres, dict) else None
    sprops = _source_properties(sres, globals_)
    connector = _connector_part(res, sres, sid, origin, skey)
    if connector is not None:
        key_node, (name, grafted) = connector
        origin.policies[(tid, "")] = PolicyOrigin(f"the policy SAM generates for connector {name}", "connector")
        return key_node, grafted
    if tid == sid:
        if isinstance(res, dict) and isinstance(sres, dict):
            grafted = _graft({k: v for k, v in res.items() if k != "Properties"}, sres)
            if "Properties" in res:
                grafted["Properties"] = _graft(res["Properties"], sprops)
            return skey, grafted
        return skey, res
    if stype == "AWS::Serverless::Function" and isinstance(sprops, dict):
        return _function_part(tid, sid, res, sprops, origin, skey)
    return skey, res


def _source_properties(sres: Any, globals_: dict[str, Any]) -> Any:
    """A SAM resource's properties under the Globals of its kind (Function, Api, HttpApi, SimpleTable ...)."""
    from infra_policy_linter.resolve.cloudformation.sam import merged_properties

    stype = sres.get("Type") if isinstance(sres, dict) else None
    sprops = sres.get("Properties") if isinstance(sres, dict) else None
    if isinstance(stype, str) and stype.startswith("AWS::Serverless::"):
        return merged_properties(globals_.get(stype.rsplit("::", 1)[1]), sprops)
    return sprops


def _function_part(
    tid: str, sid: str, res: Any, sprops: dict[str, Any], origin: SamOrigin, skey: Any
) -> tuple[Any, Any]:
    """A resource SAM generates for a function: its role, invoke config, event source mappings, connectors."""
    rtype = res.get("Type") if isinstance(res, dict) else None
    props = res.get("Properties") if isinstance(res, dict) else None
    if not isinstance(props, dict):
        return skey, res
    suffix = tid[len(sid) :]
    eic = sprops.get("EventInvokeConfig")
    declared_events = sprops.get("Events")
    events = declared_events if isinstance(declared_events, dict) else {}
    if rtype == "AWS::Lambda::EventInvokeConfig" and suffix == "EventInvokeConfig" and isinstance(eic, dict):
        return _source_key(sprops, "EventInvokeConfig") or skey, {**res, "Properties": _graft(props, eic)}
    if rtype == "AWS::IAM::Role" and suffix == "Role":
        origin.generated_roles[tid] = sid
        return skey, {**res, "Properties": _role_properties(tid, sid, props, sprops, events, origin)}
    for event in sorted((str(e) for e in events), key=len, reverse=True):
        if suffix.startswith(event):
            ev = events[_source_key(events, event)]
            eprops = ev.get("Properties") if isinstance(ev, dict) else None
            if rtype == "AWS::Lambda::EventSourceMapping":
                origin.addresses[tid] = f"{sid}.Events.{event}"
                service = _EVENT_SERVICES.get(str(ev.get("Type"))) if isinstance(ev, dict) else None
                if service:
                    origin.source_services[tid] = service
                props = _graft(props, eprops, {"EventSourceArn": ("Queue", "Stream", "Broker", "Cluster")})
                return _source_key(events, event), {**res, "Properties": props}
            return _source_key(events, event), res
    return skey, res


def _connector_part(res: Any, sres: Any, sid: str, origin: SamOrigin, skey: Any) -> tuple[Any, Any] | None:
    """The policy a connector generates (``AWS::Serverless::Connector`` or ``Connectors:`` on a resource): SAM
    names the connector in the policy's metadata; the policy points at the connector."""
    if not (isinstance(res, dict) and res.get("Type") == "AWS::IAM::ManagedPolicy"):
        return None
    meta = res.get("Metadata")
    connectors = meta.get("aws:sam:connectors") if isinstance(meta, dict) else None
    if not isinstance(connectors, dict) or not connectors:
        return None
    name = str(next(iter(connectors)))
    where = skey
    embedded = sres.get("Connectors") if isinstance(sres, dict) else None
    for key in embedded.keys() if isinstance(embedded, dict) else []:
        if sid + str(key) == name:
            where = key
            name = f"{key} of {sid}"
    return where, (name, _blanket(res, where))


def _role_properties(
    tid: str, sid: str, props: dict[str, Any], sprops: dict[str, Any], events: Any, origin: SamOrigin
) -> Any:
    """The generated role's inline policies, each positioned at what made it."""
    raw = sprops.get("Policies")
    items = raw if isinstance(raw, list) else ([raw] if raw is not None else [])
    eic = sprops.get("EventInvokeConfig")
    dc = eic.get("DestinationConfig") if isinstance(eic, dict) else None
    out = {k: v for k, v in props.items() if k != "Policies"}
    policies = []
    for entry in props.get("Policies") or []:
        name = entry.get("PolicyName") if isinstance(entry, dict) else None
        if not isinstance(name, str):
            policies.append(entry)
            continue
        m = re.fullmatch(re.escape(tid) + r"Policy(\d+)", name)
        if m and int(m.group(1)) < len(items):
            item = items[int(m.group(1))]
            n = int(m.group(1)) + 1
            if isinstance(item, dict) and len(item) == 1 and "Statement" not in item:
                template = str(next(iter(item)))
                origin.policies[(tid, name)] = PolicyOrigin(
                    f"SAM policy template {template} in Policies of {sid}", "policy-template"
                )
                policies.append(_blanket(entry, item))
            else:
                origin.policies[(tid, name)] = PolicyOrigin(f"policy {n} in Policies of {sid}")
                policies.append({**entry, "PolicyDocument": _graft(entry.get("PolicyDocument"), item)})
            continue
        target = _generated_for_destination(name, sid, dc, events)
        if target is not None:
            label, where = target
            origin.policies[(tid, name)] = PolicyOrigin(label, "destination")
            policies.append(_blanket(entry, where))
            continue
        origin.policies[(tid, name)] = PolicyOrigin(f"the policy {name} SAM generates for {sid}", "sam")
        policies.append(entry)
    out["Policies"] = policies
    return out


def _generated_for_destination(name: str, sid: str, dc: Any, events: Any) -> tuple[str, Any] | None:
    """`<Fn>EventInvokeConfigOnFailureSQSPolicy` and `<Fn><Event><Type>Policy`: the destination that made it."""
    for key in ("OnSuccess", "OnFailure"):
        if name.startswith(f"{sid}EventInvokeConfig{key}") and isinstance(dc, dict) and isinstance(dc.get(key), dict):
            target = dc[key]
            where = _source_key(target, "Destination") or _source_key(dc, key)
            return f"the {key} destination policy SAM generates for {sid}", where
    for event in sorted((str(e) for e in events), key=len, reverse=True) if isinstance(events, dict) else []:
        if name.startswith(sid + event):
            ev = events[_source_key(events, event)]
            eprops = ev.get("Properties") if isinstance(ev, dict) else None
            edc = eprops.get("DestinationConfig") if isinstance(eprops, dict) else None
            target = edc.get("OnFailure") if isinstance(edc, dict) else None
            where = (_source_key(target, "Destination") if isinstance(target, dict) else None) or _source_key(
                events, event
            )
            return f"the OnFailure destination policy SAM generates for {sid} event {event}", where
    return None
