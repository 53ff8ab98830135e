"""What ``sam build``, ``sam package`` and a deployment give the SAM transform, done offline before it runs.

* Packaged URIs: local ``CodeUri``/``ContentUri``/``DefinitionUri``/``Location`` become ``s3://`` URIs, as
  ``sam package`` writes them (a missing ``CodeUri`` is ``.``, as ``sam build`` reads it; an image function
  without ``ImageUri`` gets the one the build fills in).
* Parameter values: CloudFormation passes the deployed values to the transform. Offline, a parameter's Default
  (SAM applies those itself), else its first AllowedValue, else, for the properties SAM resolves before anything
  else (``AutoPublishAlias``, ``AutoPublishCodeSha256``), a stand-in string; cfn-lint prepares templates for the
  same translator the same way. What SAM resolves from them decides no grant the linter checks.
* An ``AWS::Serverless::Application`` whose ``Location`` is an intrinsic (``!Ref``, ``!Sub`` of a URL) is a remote
  template either way: it becomes a packaged URL, as cfn-lint does.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

# An application template whose URL CloudFormation computes at deploy time: remote, not a file of the repository.
REMOTE_LOCATION = "https://s3.amazonaws.com/deploy-time-location/template.yaml"
PACKAGE_BUCKET = "sam-package"  # stands in for the bucket `sam package` would upload local code to

# Properties that name local code or documents, per SAM resource type: `sam package` uploads them to S3.
_LOCAL_URIS: dict[str, tuple[str, ...]] = {
    "AWS::Serverless::Function": ("CodeUri",),
    "AWS::Serverless::LayerVersion": ("ContentUri",),
    "AWS::Serverless::Api": ("DefinitionUri",),
    "AWS::Serverless::HttpApi": ("DefinitionUri",),
    "AWS::Serverless::StateMachine": ("DefinitionUri",),
    "AWS::Serverless::GraphQLApi": ("SchemaUri",),
    "AWS::Serverless::Application": ("Location",),
}


def plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    if isinstance(node, str):
        return str(node)
    if isinstance(node, (date, datetime)):
        return node.isoformat()  # an unquoted `Version: 2012-10-17` is a string to CloudFormation
    return node


def _packaged(value: Any, https: bool = False) -> Any:
    if not isinstance(value, str) or value.startswith(("s3://", "https://", "http://")):
        return value
    path = value[2:] if value.startswith("./") else value  # `../shared/x.yaml` stays relative to the template
    path = path or "."
    return f"https://s3.amazonaws.com/{PACKAGE_BUCKET}/{path}" if https else f"s3://{PACKAGE_BUCKET}/{path}"


def package(body: dict[str, Any]) -> None:
    """What `sam build` / `sam package` do to local paths before the transform sees them."""
    globals_ = body.get("Globals")
    gfn = globals_.get("Function") if isinstance(globals_, dict) else None
    if isinstance(gfn, dict) and "CodeUri" in gfn:
        gfn["CodeUri"] = _packaged(gfn["CodeUri"])
    for section in ("Api", "HttpApi"):
        g = globals_.get(section) if isinstance(globals_, dict) else None
        if isinstance(g, dict) and "DefinitionUri" in g:
            g["DefinitionUri"] = _packaged(g["DefinitionUri"])
    resources = body.get("Resources")
    for res in resources.values() if isinstance(resources, dict) else []:
        if isinstance(res, dict) and res.get("Type") == "AWS::Serverless::Function" and "Properties" not in res:
            res["Properties"] = {}
        if isinstance(res, dict) and isinstance(res.get("Properties"), dict) and isinstance(res.get("Type"), str):
            _package_resource(res["Type"], res["Properties"], gfn if isinstance(gfn, dict) else None)


def _package_resource(rtype: str, props: dict[str, Any], gfn: dict[str, Any] | None) -> None:
    for key in _LOCAL_URIS.get(rtype, ()):
        if key in props:
            props[key] = _packaged(props[key], https=rtype == "AWS::Serverless::Application")
    if rtype in ("AWS::Serverless::Api", "AWS::Serverless::HttpApi") and _included(props.get("DefinitionBody")):
        # CloudFormation expands AWS::Include before SAM reads the definition; offline the file is not there,
        # and the API definition decides nothing this linter checks.
        props["DefinitionBody"] = (
            {"openapi": "3.0.1", "info": {"title": "included", "version": "1"}, "paths": {}}
            if rtype.endswith("HttpApi")
            else {"swagger": "2.0", "info": {"title": "included", "version": "1"}, "paths": {}}
        )
    location = props.get("Location")
    if rtype == "AWS::Serverless::Application" and _intrinsic(location):
        props["Location"] = REMOTE_LOCATION  # an intrinsic URL (`!Ref`, `!Sub`): a template elsewhere, as cfn-lint
        return
    if rtype == "AWS::Serverless::Application" and isinstance(location, dict):
        # CloudFormation gives the transform the parameter values; offline they are unknown, and the
        # application is a remote stack either way: stand-ins keep SAM from rejecting `!Ref AppId`.
        for key in ("ApplicationId", "SemanticVersion"):
            if isinstance(location.get(key), dict):
                location[key] = f"deploy-time-{key}"
    if rtype == "AWS::Serverless::Function":
        _package_function_code(props, gfn or {})


def _intrinsic(node: Any) -> bool:
    """``{"Ref": ...}`` or ``{"Fn::...": ...}``: a value CloudFormation computes (not a Location object SAM reads)."""
    return isinstance(node, dict) and len(node) == 1 and any(k == "Ref" or k.startswith("Fn::") for k in node)


def _package_function_code(props: dict[str, Any], gfn: dict[str, Any]) -> None:
    """The code a built function has: an image URI the build tool fills in, or the template's folder."""
    image = props.get("PackageType", gfn.get("PackageType"))
    if image == "Image" and not props.get("ImageUri", gfn.get("ImageUri")):  # absent or "": the build fills it in
        props["ImageUri"] = "123456789012.dkr.ecr.us-east-1.amazonaws.com/sam-build:latest"
    elif image != "Image" and not (set(props) | set(gfn)) & {"CodeUri", "InlineCode", "ImageUri"}:
        props["CodeUri"] = _packaged(".")  # `sam build` reads a missing CodeUri as the template's folder


def _included(node: Any) -> bool:
    return (
        isinstance(node, dict)
        and isinstance(node.get("Fn::Transform"), dict)
        and node["Fn::Transform"].get("Name") == "AWS::Include"
    )


# Properties SAM resolves a parameter Ref of before anything else, and the stand-in when the parameter has neither
# a Default nor AllowedValues (what the value is decides nothing here; that it is a string does).
_RESOLVED_BY_SAM = ("AutoPublishAlias", "AutoPublishCodeSha256")
STAND_IN = "DeployTime"  # alphanumeric: SAM puts it in logical ids (the version of a code SHA)


def parameter_values(body: dict[str, Any]) -> dict[str, Any]:
    """Values for the parameters a deployment would pass and the template does not fix (see the module doc)."""
    params = body.get("Parameters")
    if not isinstance(params, dict):
        return {}
    values: dict[str, Any] = {}
    for name, spec in params.items():
        allowed = spec.get("AllowedValues") if isinstance(spec, dict) else None
        if isinstance(spec, dict) and "Default" not in spec and isinstance(allowed, list) and allowed:
            values[name] = allowed[0]
    for name in _referenced_by_sam(body):
        if name in params and name not in values and not (isinstance(params[name], dict) and "Default" in params[name]):
            values[name] = STAND_IN
    return values


def _referenced_by_sam(body: dict[str, Any]) -> list[str]:
    """Parameters that ``AutoPublishAlias`` or ``AutoPublishCodeSha256`` name with a Ref (functions, Globals)."""
    globals_ = body.get("Globals")
    gfn = globals_.get("Function") if isinstance(globals_, dict) else None
    resources = body.get("Resources")
    holders = (
        [gfn] + [r.get("Properties") for r in resources.values() if isinstance(r, dict)]
        if isinstance(resources, dict)
        else [gfn]
    )
    out: list[str] = []
    for props in holders:
        for key in _RESOLVED_BY_SAM:
            ref = props.get(key) if isinstance(props, dict) else None
            if isinstance(ref, dict) and isinstance(ref.get("Ref"), str):
                out.append(ref["Ref"])
    return out
