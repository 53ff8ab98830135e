"""The format-neutral shape of one synthetic project, and the cases that decide each destination's label.

A project is drawn first (functions, roles, destinations, the statements each case needs) and only then written as
Terraform, CloudFormation or SAM, so one case means the same thing in every format. Every label follows from how
the project was built; nothing is decided by running the linter.
"""

from __future__ import annotations

import fnmatch
import random
from collections.abc import Callable
from dataclasses import dataclass, field

KINDS = ("sqs", "sns", "lambda", "events", "s3")
# What the execution role needs per destination type (S3: objects and the bucket, two checks).
ACTIONS: dict[str, tuple[str, ...]] = {
    "sqs": ("sqs:SendMessage",),
    "sns": ("sns:Publish",),
    "lambda": ("lambda:InvokeFunction",),
    "events": ("events:PutEvents",),
    "s3": ("s3:PutObject", "s3:ListBucket"),
}
# Same-service actions that never cover the destination's action.
NEIGHBOURS = {
    "sqs": ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"),
    "sns": ("sns:Subscribe", "sns:GetTopicAttributes"),
    "lambda": ("lambda:GetFunction", "lambda:ListVersionsByFunction"),
    "events": ("events:DescribeEventBus", "events:ListRules"),
    "s3": ("s3:GetObject", "s3:GetBucketLocation"),
}
SPELLINGS = {  # other casings IAM treats as the same action
    "sqs": (("SQS:SendMessage",), ("sqs:sendmessage",)),
    "sns": (("SNS:PUBLISH",), ("sns:publish",)),
    "lambda": (("Lambda:invokeFunction",), ("LAMBDA:INVOKEFUNCTION",)),
    "events": (("EVENTS:putevents",), ("Events:PutEvents",)),
    "s3": (("S3:putObject", "S3:LISTBUCKET"), ("s3:putobject", "s3:listbucket")),
}
WILDCARDS = {
    "sqs": (("sqs:*",), ("sqs:Send*",), ("sqs:SendMessa?e",)),
    "sns": (("sns:*",), ("sns:Pub*",), ("sns:Publi?h",)),
    "lambda": (("lambda:*",), ("lambda:Invoke*",), ("lambda:InvokeF*",)),
    "events": (("events:*",), ("events:Put*",), ("events:PutEv?nts",)),
    "s3": (("s3:*",), ("s3:Put*", "s3:List*"), ("s3:PutObj?ct", "s3:ListBuck*")),
}
TYPOS = {
    "sqs": (("sqs:SendMesage",), ("sqs:SnedMessage",)),
    "sns": (("sns:Publis",), ("sns:Pubish",)),
    "lambda": (("lambda:InvokeFuntion",), ("lambda:InvokFunction",)),
    "events": (("events:PutEvent",), ("events:PutEvens",)),
    "s3": (("s3:PutObjet", "s3:ListBuckt"), ("s3:PuObject", "s3:ListBuket")),
}
ANY_ARN = {
    "sqs": ("arn:aws:sqs:*:*:*", "arn:aws:sqs:*"),
    "sns": ("arn:aws:sns:*:*:*",),
    "lambda": ("arn:aws:lambda:*:*:function:*", "arn:aws:lambda:*:*:*"),
    "events": ("arn:aws:events:*:*:event-bus/*",),
    "s3": ("arn:aws:s3:::*",),
}
FILLER = (
    (("logs:CreateLogStream", "logs:PutLogEvents"), "*"),
    (("xray:PutTraceSegments",), "*"),
    (("ssm:GetParameter",), "*"),
    (("cloudwatch:PutMetricData",), "*"),
)
CONDITIONS = (
    {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}},
    {"Bool": {"aws:SecureTransport": "true"}},
    {"StringLike": {"aws:PrincipalTag/team": "payments-*"}},
)
BASIC_EXECUTION = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
LAMBDA_ROLE = "arn:aws:iam::aws:policy/service-role/AWSLambdaRole"  # lambda:InvokeFunction on *
CUSTOMER_POLICY = "arn:aws:iam::123456789012:policy/platform-{}"  # a policy the linter cannot see

# case -> the rule it must produce (None: granted, no finding)
CASES: dict[str, str | None] = {
    "exact": None,
    "action_list": None,
    "action_case": None,
    "action_wildcard": None,
    "resource_star": None,
    "arn_wildcard": None,
    "arn_prefix": None,
    "not_action": None,
    "not_resource": None,
    "aws_managed": None,
    "unrelated_action": "DST001",
    "typo": "DST001",
    "other_role": "DST001",
    "basic_only": "DST001",
    "wrong_resource": "DST002",
    "wrong_prefix": "DST002",
    "denied": "DST003",
    "denied_guardrail": "DST003",
    "conditional": "DST004",
    "unknown_destination": "DST004",
}
# Cases that concern the whole function (its role), so every destination of it gets the same rule.
FUNCTION_CASES: dict[str, str | None] = {"unknown_role": "DST004", "unknown_policy": "DST004", "sam_generated": None}

# A function's dead-letter queue or topic (dead_letter_config, DeadLetterConfig, SAM's DeadLetterQueue): the cases
# above that make sense for it, with the DLQ rule each must produce. Its type is one the function's destinations do
# not use, so that no statement written for one decides the other.
DEAD_LETTER_KINDS = ("sqs", "sns")
DEAD_LETTER_CASES: dict[str, str | None] = {
    "exact": None,
    "action_list": None,
    "action_case": None,
    "action_wildcard": None,
    "resource_star": None,
    "arn_wildcard": None,
    "arn_prefix": None,
    "not_resource": None,
    "unrelated_action": "DLQ001",
    "basic_only": "DLQ001",
    "other_role": "DLQ001",
    "wrong_resource": "DLQ001",
    "wrong_prefix": "DLQ001",
    "denied": "DLQ001",
    "conditional": "DLQ004",
    "unknown_destination": "DLQ004",
}
DEAD_LETTER_RULES = {"DST001": "DLQ001", "DST002": "DLQ001", "DST003": "DLQ001", "DST004": "DLQ004"}

DOMAINS = (
    ("orders", ("orders-processor", "invoice-builder", "refund-handler", "payment-matcher")),
    ("media", ("thumbnail-worker", "video-transcoder", "caption-extractor", "watermark-stamper")),
    ("identity", ("signup-handler", "profile-sync", "mfa-enroller", "session-reaper")),
    ("catalog", ("price-updater", "stock-alerter", "search-indexer", "product-importer")),
    ("shipping", ("label-printer", "tracking-poller", "carrier-router", "returns-intake")),
    ("telemetry", ("metrics-ingest", "firmware-notifier", "device-registrar", "anomaly-scorer")),
)
PURPOSE = {
    "sqs": ("dlq", "failures", "results", "retry"),
    "sns": ("alerts", "completed", "status"),
    "lambda": ("auditor", "compensator", "archiver"),
    "events": ("events", "domain-bus"),
    "s3": ("failed-events", "dead-letters"),
}
REGIONS = ("eu-west-1", "us-east-1", "eu-central-1", "ap-southeast-2")


@dataclass(frozen=True)
class Resource:
    kind: str
    slug: str  # kebab-case; Terraform and CloudFormation names derive from it
    name: str  # the physical name (queue name, bucket name, ...)


@dataclass(frozen=True)
class Arn:
    """The ARN of a resource in the project (with "/*" for the objects of a bucket)."""

    resource: Resource
    suffix: str = ""


@dataclass(frozen=True)
class Pattern:
    """A literal ARN pattern; `partly_known` asks for region/account written as the format's own unknowns."""

    text: str
    partly_known: bool = False


ResourceValue = Arn | Pattern | str


@dataclass
class Statement:
    effect: str
    actions: tuple[str, ...]
    resources: tuple[ResourceValue, ...]
    not_actions: bool = False
    not_resources: bool = False
    condition: dict | None = None
    scalar: bool = False  # write a single action/resource as a string, not a one-element list


@dataclass
class Policy:
    slug: str
    statements: list[Statement]
    standalone: bool = False  # its own policy resource (attached), not inline on the role


@dataclass
class Role:
    slug: str
    service: str
    policies: list[Policy] = field(default_factory=list)
    managed: list[str] = field(default_factory=list)
    mechanism: int = 0  # which way of attaching policies the writer uses (format specific, drawn once)


@dataclass
class Destination:
    when: str  # on_success | on_failure | dead_letter (the function's dead-letter target)
    kind: str
    target: Resource | None  # None: the ARN comes from outside (a variable or parameter without default)
    case: str
    rule: str | None


@dataclass
class Function:
    slug: str
    role: Role | None  # None: SAM generates it
    destinations: list[Destination]
    case: str | None = None  # a function-level case (FUNCTION_CASES)
    typos: list[str] = field(default_factory=list)  # misspelt actions in its policies (IAM001)


@dataclass
class Project:
    fmt: str  # terraform | cloudformation | sam
    pid: str
    region: str
    functions: list[Function] = field(default_factory=list)
    resources: list[Resource] = field(default_factory=list)
    handlers: list[Resource] = field(default_factory=list)  # Lambda functions used as destinations
    other_role: Role | None = None
    taken: set[str] = field(default_factory=set)

    def new_resource(self, kind: str, slug: str) -> Resource:
        base, n = slug, 2
        while slug in self.taken:
            slug, n = f"{base}-{n}", n + 1
        self.taken.add(slug)
        name = f"acme-{self.pid}-{slug}" if kind == "s3" else slug
        resource = Resource(kind, slug, name)
        self.resources.append(resource)
        if kind == "lambda":
            self.handlers.append(resource)
        return resource

    def sibling(self, kind: str) -> Resource:
        """Another resource of the same type, never a destination (for wrong-resource and NotResource)."""
        for r in self.resources:
            if r.kind == kind and r.slug.startswith("legacy-"):
                return r
        return self.new_resource(kind, f"legacy-{random.Random(self.pid + kind).choice(('archive', 'batch'))}")


def _one(rng: random.Random, kind: str, pool: dict[str, tuple[tuple[str, ...], ...]]) -> tuple[str, ...]:
    return rng.choice(pool[kind])


@dataclass
class _Case:
    """What a case needs to write its statements."""

    project: Project
    fn: Function
    d: Destination
    target: Resource
    rng: random.Random
    single: bool
    scalar: bool

    @property
    def exact(self) -> tuple[str, ...]:
        return ACTIONS[self.d.kind]

    def on(self, resource: Resource) -> tuple[ResourceValue, ...]:
        return (Arn(resource), Arn(resource, "/*")) if resource.kind == "s3" else (Arn(resource),)

    def allow(self, actions: tuple[str, ...], resources: tuple[ResourceValue, ...] | None = None) -> list[Statement]:
        return [Statement("Allow", actions, resources or self.on(self.target), scalar=self.scalar)]


def _prefix(c: _Case) -> list[Statement]:
    if c.d.case == "arn_prefix":
        prefix = c.target.name.rsplit("-", 1)[0] + "-"
    else:
        prefix = f"acme-{c.project.pid}-legacy-" if c.d.kind == "s3" else "legacy-"
    return c.allow(c.exact, (Pattern(prefix_arn(c.d.kind, prefix), c.rng.random() < 0.5),))


def _not_action(c: _Case) -> list[Statement]:
    assert c.single, "NotAction on one destination would allow the other's action elsewhere"
    return [Statement("Allow", ("iam:*", "organizations:*"), c.on(c.target), not_actions=True)]


def _aws_managed(c: _Case) -> list[Statement]:
    assert c.fn.role is not None
    c.fn.role.managed.append(LAMBDA_ROLE)
    return []


def _typo(c: _Case) -> list[Statement]:
    typo = _one(c.rng, c.d.kind, TYPOS)
    c.fn.typos.extend(typo)
    return c.allow(typo)


def _other_role(c: _Case) -> list[Statement]:
    assert c.project.other_role is not None
    c.project.other_role.policies[0].statements.append(Statement("Allow", c.exact, c.on(c.target)))
    return []


_STATEMENTS: dict[str, Callable[[_Case], list[Statement]]] = {
    "exact": lambda c: c.allow(c.exact),
    "action_list": lambda c: [Statement("Allow", c.exact + NEIGHBOURS[c.d.kind][:1], c.on(c.target))],
    "action_case": lambda c: c.allow(_one(c.rng, c.d.kind, SPELLINGS)),
    "action_wildcard": lambda c: c.allow(_one(c.rng, c.d.kind, WILDCARDS)),
    "resource_star": lambda c: c.allow(c.exact, ("*",)),
    "arn_wildcard": lambda c: c.allow(c.exact, (Pattern(c.rng.choice(ANY_ARN[c.d.kind])),)),
    "arn_prefix": _prefix,
    "wrong_prefix": _prefix,
    "not_action": _not_action,
    "not_resource": lambda c: [
        Statement("Allow", c.exact, (Arn(c.project.sibling(c.d.kind)),), not_resources=True, scalar=c.scalar)
    ],
    "aws_managed": _aws_managed,
    "unrelated_action": lambda c: c.allow(NEIGHBOURS[c.d.kind][: c.rng.choice((1, 2))]),
    "typo": _typo,
    "other_role": _other_role,
    "basic_only": lambda c: [],
    "wrong_resource": lambda c: c.allow(c.exact, c.on(c.project.sibling(c.d.kind))),
    "denied": lambda c: [Statement("Allow", c.exact, c.on(c.target)), Statement("Deny", c.exact, ("*",))],
    "denied_guardrail": lambda c: [Statement("Allow", c.exact, c.on(c.target)), Statement("Deny", c.exact, ("*",))],
    "conditional": lambda c: [
        Statement("Allow", c.exact, c.on(c.target), condition=c.rng.choice(CONDITIONS), scalar=c.scalar)
    ],
}


def destination_statements(
    project: Project, fn: Function, d: Destination, rng: random.Random, single: bool
) -> list[Statement]:
    """The statements on the function's own role that make case `d.case` true for destination `d`."""
    assert d.target is not None
    return _STATEMENTS[d.case](_Case(project, fn, d, d.target, rng, single, rng.random() < 0.5))


def prefix_arn(kind: str, prefix: str) -> str:
    """An ARN pattern for every resource of `kind` whose name starts with `prefix` (region/account open)."""
    return {
        "sqs": f"arn:aws:sqs:*:*:{prefix}*",
        "sns": f"arn:aws:sns:*:*:{prefix}*",
        "lambda": f"arn:aws:lambda:*:*:function:{prefix}*",
        "events": f"arn:aws:events:*:*:event-bus/{prefix}*",
        "s3": f"arn:aws:s3:::{prefix}*",
    }[kind]


def draw(fmt: str, index: int, seed: int) -> Project:
    """Project number `index` of format `fmt`: the same for a seed however many projects are generated."""
    rng = random.Random(f"{seed}:{index}:{fmt}")
    project = Project(fmt, f"p{index:04d}", rng.choice(REGIONS))
    _domain, pool = rng.choice(DOMAINS)
    project.other_role = Role(
        f"{project.pid}-batch-runner", "ecs-tasks.amazonaws.com", [Policy("batch-runner-access", [])]
    )
    for slug in rng.sample(pool, rng.choice((1, 2, 2, 3))):
        project.taken.add(slug)
        whens = ["on_success", "on_failure"] if rng.random() < 0.5 else [rng.choice(("on_success", "on_failure"))]
        fn = Function(slug, Role(f"{slug}-role", "lambda.amazonaws.com", mechanism=rng.randrange(8)), [])
        if rng.random() < 0.8:
            fn.role.managed.append(BASIC_EXECUTION)
        level = rng.random()
        if fmt == "sam" and level < 0.3:
            fn.case, fn.role = "sam_generated", None  # SAM writes the role and its destination grants
        elif level < 0.07:
            fn.case = "unknown_role"
        elif level < 0.13:
            fn.case = "unknown_policy"
        kinds = [k for k in KINDS]
        for when in whens:
            # S3 only takes failures; SAM's generated S3 grant has no s3:ListBucket, so it is left out there.
            allowed = [k for k in kinds if not (k == "s3" and (when == "on_success" or fn.case == "sam_generated"))]
            kind = rng.choice(allowed)
            kinds.remove(kind)
            fn.destinations.append(_destination(project, fn, when, kind, rng, single=len(whens) == 1))
        dead_letter = _dead_letter(project, fn, random.Random(f"{seed}:{index}:{fmt}:{slug}:dead-letter"))
        if dead_letter is not None:  # its own generator: the rest of the project is drawn as before
            fn.destinations.append(dead_letter)
        project.functions.append(fn)
        if fn.role is not None and fn.case is None:
            _fill_role(project, fn, rng)
            _settle_unknown_destinations(fn)
        elif fn.case == "unknown_policy":
            assert fn.role is not None
            fn.role.managed.append(CUSTOMER_POLICY.format(slug))
    return project


def _destination(project: Project, fn: Function, when: str, kind: str, rng: random.Random, single: bool) -> Destination:
    if fn.case is not None:
        target = project.new_resource(kind, f"{fn.slug}-{rng.choice(PURPOSE[kind])}")
        return Destination(when, kind, target, fn.case, FUNCTION_CASES[fn.case])
    cases = [
        c
        for c in CASES
        if not (c == "not_action" and not single)
        and not (c == "aws_managed" and kind != "lambda")
        and not (
            c == "unknown_destination" and (project.fmt == "sam" or any(d.target is None for d in fn.destinations))
        )
    ]
    weights = [3.0 if c == "aws_managed" else 1.0 for c in cases]
    case = rng.choices(cases, weights)[0]
    target = (
        None if case == "unknown_destination" else project.new_resource(kind, f"{fn.slug}-{rng.choice(PURPOSE[kind])}")
    )
    return Destination(when, kind, target, case, CASES[case])


def _dead_letter(project: Project, fn: Function, rng: random.Random) -> Destination | None:
    """Sometimes a dead-letter queue or topic, of a type none of the function's destinations has."""
    kinds = [k for k in DEAD_LETTER_KINDS if all(d.kind != k for d in fn.destinations)]
    if not kinds or rng.random() >= 0.4:
        return None
    kind = rng.choice(kinds)
    if fn.case is not None:
        rule = FUNCTION_CASES[fn.case]
        target = project.new_resource(kind, f"{fn.slug}-dead-letter-{kind}")
        return Destination("dead_letter", kind, target, fn.case, DEAD_LETTER_RULES.get(rule or "", rule))
    cases = [
        c
        for c in DEAD_LETTER_CASES
        if not (c == "unknown_destination" and (project.fmt == "sam" or any(d.target is None for d in fn.destinations)))
    ]
    case = rng.choice(cases)
    target = None if case == "unknown_destination" else project.new_resource(kind, f"{fn.slug}-dead-letter-{kind}")
    return Destination("dead_letter", kind, target, case, DEAD_LETTER_CASES[case])


def label_actions(d: Destination) -> tuple[str | None, ...]:
    """The actions findings name for a destination: one per action the role needs; None when the destination (and
    so its type) is unknown; an S3 destination whose role cannot be seen at all is one finding for both actions."""
    if d.target is None:
        return (None,)
    if d.kind == "s3" and d.case in ("unknown_role", "unknown_policy"):
        return ACTIONS["s3"][:1]
    return ACTIONS[d.kind]


def _grants_any(role: Role, actions: tuple[str, ...]) -> bool:
    """Does an Allow of the role name one of `actions` (whatever its resources or condition) that no Deny on "*"
    takes away?"""
    wanted = {a.lower() for a in actions}

    def covers(st: Statement, action: str) -> bool:
        named = any(fnmatch.fnmatchcase(action, p.lower()) for p in st.actions)
        return named != st.not_actions

    statements = [st for policy in role.policies for st in policy.statements]
    denied = {
        a
        for a in wanted
        for st in statements
        if st.effect == "Deny" and st.resources == ("*",) and not st.condition and covers(st, a)
    }
    allowed = {a for a in wanted for st in statements if st.effect == "Allow" and covers(st, a)}
    if LAMBDA_ROLE in role.managed:
        allowed.add("lambda:invokefunction")
    return bool((allowed & wanted) - denied)


def _settle_unknown_destinations(fn: Function) -> None:
    """A destination of unknown type is DST001 when the role grants none of what any type needs (whatever it
    is, Lambda drops the records), otherwise DST004 (some type might be granted)."""
    assert fn.role is not None
    for d in fn.destinations:
        if d.target is None:
            kinds = [k for k in KINDS if not (k == "s3" and d.when == "on_success")]
            if d.when == "dead_letter":
                kinds = list(DEAD_LETTER_KINDS)
            needed = tuple(a for k in kinds for a in ACTIONS[k])
            rule = "DST004" if _grants_any(fn.role, needed) else "DST001"
            d.rule = DEAD_LETTER_RULES[rule] if d.when == "dead_letter" else rule
            d.case = "unknown_destination" if rule == "DST004" else "unknown_destination_ungranted"


def _fill_role(project: Project, fn: Function, rng: random.Random) -> None:
    """Group the role's statements into policies: filler, then each destination's, sometimes split apart."""
    assert fn.role is not None
    role = fn.role
    filler = [Statement("Allow", actions, (res,)) for actions, res in rng.sample(FILLER, rng.choice((0, 1, 2)))]
    if not role.managed and not filler:
        filler.append(Statement("Allow", FILLER[0][0], ("*",)))
    policies = [Policy(f"{fn.slug}-base", filler)] if filler else []
    single = len([d for d in fn.destinations if d.when != "dead_letter"]) == 1  # as _destination drew them
    for d in fn.destinations:
        if d.target is None:
            continue
        statements = destination_statements(project, fn, d, rng, single)
        if not statements:
            continue
        if d.case == "denied_guardrail":
            policies.append(Policy(f"{fn.slug}-{d.kind}-access", statements[:1], standalone=rng.random() < 0.5))
            policies.append(Policy(f"{fn.slug}-{d.kind}-guardrail", statements[1:], standalone=rng.random() < 0.5))
        elif policies and rng.random() < 0.5:
            policies[-1].statements.extend(statements)
        else:
            policies.append(Policy(f"{fn.slug}-{d.kind}-delivery", statements, standalone=rng.random() < 0.4))
    role.policies = policies
