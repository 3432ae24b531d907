"""`make deploy-*` run for real: the Makefile's own targets, with the pinned SAM CLI, against a moto server.

Each target runs in a shell as a user who follows docs/deploy.md would run it: the page's own lines before
`make deploy` (its region), credentials in the environment, no profile. Added for moto, and changing nothing
of what runs against AWS (docs/deploy-on-moto.md):

- AWS_ENDPOINT_URL is the moto server as http://localhost:<port>. sam gives CloudFormation the uploaded
  template's URL on that endpoint, and moto reads the bucket from such a URL's path only when its host is
  `localhost` (or s3…amazonaws.com); from http://127.0.0.1:<port>/<bucket>/… it takes "127" for the bucket,
  and CreateChangeSet fails with NoSuchBucket.
- SAM_S3_BUCKET, a bucket the test makes, for the worker's and the api's artifacts: the bucket sam manages
  itself (resolve_s3) lives in a stack sam creates through a change set, and moto gives such a stack no
  outputs, so sam finds it unhealthy ("missing Tags and/or Outputs information").
- SAM_CLI_POLL_DELAY (sam's wait between two looks at the stack, 5 s by default) and SAM_CLI_TELEMETRY=0.

Where moto stops short of CloudFormation: a stack created through a change set, as sam creates every stack,
gets its resources but no outputs and no exports, and a change set can import no other stack's exports. So
`deploy-core`, `deploy-edge` and `deploy-frontend`'s stack end created; `deploy-worker` and `deploy-api`
package and upload the real zips and templates and create their change set, whose execution moto refuses ("No
export named conveyor-core-JobsTableArn found"); `deploy-frontend`'s publishing step then finds no outputs to
read. moto applies no SAM transform either: the change sets list `AWS::Serverless::Function` resources as
such.

moto has no CloudFormation support for AWS::WAFv2::WebACL nor CloudFront's resources: `deploy-edge` creates
its stack in us-east-1 (about 4 s) with nothing in it ("No Moto CloudFormation support for
AWS::WAFv2::WebACL"), and the frontend stack gets its bucket only. The web ACL's rules and the
distribution's API origin are checked in their templates (test_edge_stack.py, test_frontend_stack.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import subprocess
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from cfnlint.decode.cfn_yaml import loads as load_yaml
from conveyor_local.moto_server import start_moto_server

from tests.infra.sam_cli import (
    FAKE_CREDENTIALS,
    REPO_ROOT,
    SAM,
    forget_everything,
    moto_client,
    require_sam,
    shell_environment,
)
from tests.infra.templates import INFRA, STACKS, load_template
from tests.support import report

# moto's CloudFormation warns of each resource it skips: the SAM ones (no transform), CloudFront's, WAF's.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Tried to parse AWS.{2}(Serverless|CloudFront|WAFv2).{2}:UserWarning"
)
if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_cloudformation.type_defs import DescribeChangeSetOutputTypeDef
    from mypy_boto3_s3 import S3Client

MAKEFILE = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
DEPLOY_PAGE = (REPO_ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
# The stand-in page's origin that deploy-api must hand the api stack as AllowOrigin.
SITE_ORIGIN = "https://d111111abcdef8.cloudfront.net"
# What the stand-ins of the api and edge stacks give deploy-frontend-stack.
API_DOMAIN = "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com"
WEB_ACL_ARN = (
    "arn:aws:wafv2:us-east-1:123456789012:global/webacl/conveyor-edge/0e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b"
)
MAKEFILE_VARIABLES: dict[str, str] = dict(re.findall(r"^(\w+) := (.*)$", MAKEFILE, re.MULTILINE))
EDGE_REGION = MAKEFILE_VARIABLES["EDGE_REGION"]


def _deploy_setup() -> list[str]:
    """The lines docs/deploy.md has a user type before `make deploy`."""
    block = re.search(r"```sh\n(.*?)```", DEPLOY_PAGE, re.DOTALL)
    assert block, "docs/deploy.md has no sh block"
    *setup, last = block.group(1).strip().splitlines()
    assert last == "make deploy", "docs/deploy.md's first sh block ends with `make deploy`"
    return setup


DEPLOY_SETUP = _deploy_setup()


def _deploy_region() -> str:
    (region,) = [
        m.group(1) for line in DEPLOY_SETUP if (m := re.fullmatch(r"export AWS_DEFAULT_REGION=(\S+)", line))
    ]
    return region


def _stack_name(stack: str) -> str:
    with (INFRA / stack / "samconfig.toml").open("rb") as config:
        name: str = tomllib.load(config)["default"]["deploy"]["parameters"]["stack_name"]
    return name


@dataclass(frozen=True)
class Ran:
    command: str
    returncode: int
    output: str
    seconds: float

    def describe(self) -> str:
        return f"`{self.command}` exited {self.returncode} after {self.seconds:.0f} s:\n{self.output[-6000:]}"


@dataclass(frozen=True)
class Account:
    """The moto server as the deploy sees it, and boto3 clients on it in docs/deploy.md's region."""

    endpoint_url: str
    region: str
    environment: dict[str, str]

    def client(self, service: str, region: str | None = None) -> Any:
        return moto_client(self.endpoint_url, region or self.region, service)

    def make(self, *arguments: str, setup: list[str] = DEPLOY_SETUP) -> Ran:
        command = shlex.join(["make", "--no-print-directory", *arguments])
        started = time.monotonic()
        ran = subprocess.run(
            ["bash", "-c", "\n".join([*setup, command])],
            cwd=REPO_ROOT,
            env=self.environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=900,
            check=False,
        )
        seconds = time.monotonic() - started
        report.line(f"{command}: {seconds:.1f} s (real sam against moto)")
        return Ran(command, ran.returncode, ran.stdout, seconds)


@pytest.fixture(scope="module")
def account(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Account]:
    require_sam()
    server = start_moto_server("127.0.0.1", 0)
    port = server.endpoint_url.rsplit(":", 1)[1]
    # A shell as a new user's would start: docs/deploy.md's lines set the region.
    environment = shell_environment(
        tmp_path_factory.mktemp("aws") / "none",
        **FAKE_CREDENTIALS,
        AWS_ENDPOINT_URL=f"http://localhost:{port}",
        SAM_CLI_POLL_DELAY="0.5",
    )
    try:
        yield Account(f"http://localhost:{port}", _deploy_region(), environment)
    finally:
        forget_everything(server.endpoint_url)
        server.stop()


@pytest.fixture(scope="module")
def artifacts_bucket(account: Account) -> str:
    account.client("s3").create_bucket(
        Bucket="conveyor-deploy-artifacts", CreateBucketConfiguration={"LocationConstraint": account.region}
    )
    return "conveyor-deploy-artifacts"


@pytest.fixture(scope="module")
def deployed_core(account: Account) -> Ran:
    return account.make("deploy-core")


def _stand_in(account: Account, name: str, outputs: dict[str, str], region: str | None = None) -> str:
    """A stack with the given outputs, made by CloudFormation's CreateStack (which moto gives outputs), since
    a stack deployed by sam has none in moto."""
    cloudformation: CloudFormationClient = account.client("cloudformation", region)
    cloudformation.create_stack(
        StackName=name,
        TemplateBody=json.dumps(
            {
                "Resources": {"Placeholder": {"Type": "AWS::SQS::Queue"}},
                "Outputs": {key: {"Value": value} for key, value in outputs.items()},
            }
        ),
    )
    return name


@pytest.fixture(scope="module")
def page_stand_in(account: Account) -> str:
    return _stand_in(account, "conveyor-frontend-stand-in", {"SiteOrigin": SITE_ORIGIN})


@pytest.fixture(scope="module")
def deployed_edge(account: Account) -> Ran:
    return account.make("deploy-edge")


@pytest.fixture(scope="module")
def deployed_services(account: Account, deployed_core: Ran, artifacts_bucket: str, page_stand_in: str) -> Ran:
    """deploy-worker and deploy-api in one make run, which packages both zips once (a third of the time); -k
    goes on to deploy-api after moto has refused deploy-worker's change set."""
    return account.make(
        "-k",
        "deploy-worker",
        "deploy-api",
        f"SAM_S3_BUCKET={artifacts_bucket}",
        f"FRONTEND_STACK={page_stand_in}",
        "API_PARAMETERS=ThrottlingRateLimit=100",
    )


@pytest.fixture(scope="module")
def deployed_frontend(account: Account, deployed_services: Ran) -> Ran:
    """deploy-frontend with stand-ins of the api stack (whose change set moto never executed) and of the edge
    stack (which sam created through a change set), and the api stack's origin secret."""
    api = _stand_in(
        account, "conveyor-api-stand-in", {"ApiDomainName": API_DOMAIN, "ApiUrl": f"https://{API_DOMAIN}"}
    )
    edge = _stand_in(account, "conveyor-edge-stand-in", {"WebAclArn": WEB_ACL_ARN}, EDGE_REGION)
    return account.make(
        "deploy-frontend",
        f"API_STACK={api}",
        f"EDGE_STACK={edge}",
        f"ORIGIN_SECRET_PARAMETER={_origin_secret_parameter()}",
    )


def _origin_secret_parameter() -> str:
    return MAKEFILE_VARIABLES["ORIGIN_SECRET_PARAMETER"].replace("$(API_STACK)", _stack_name("api"))


def _origin_secret(account: Account) -> str:
    value: str = account.client("ssm").get_parameter(Name=_origin_secret_parameter(), WithDecryption=True)[
        "Parameter"
    ]["Value"]
    return value


def _stack(account: Account, stack: str, region: str | None = None) -> dict[str, Any]:
    cloudformation = account.client("cloudformation", region)
    (described,) = cloudformation.describe_stacks(StackName=_stack_name(stack))["Stacks"]
    return dict(described)


def _physical_ids(account: Account, stack: str) -> dict[str, str]:
    cloudformation: CloudFormationClient = account.client("cloudformation")
    summaries = cloudformation.list_stack_resources(StackName=_stack_name(stack))["StackResourceSummaries"]
    return {summary["LogicalResourceId"]: summary["PhysicalResourceId"] for summary in summaries}


def _change_set(account: Account, stack: str, region: str | None = None) -> DescribeChangeSetOutputTypeDef:
    """The change set sam made for the stack (moto lists every stack's, whatever StackName says)."""
    cloudformation: CloudFormationClient = account.client("cloudformation", region)
    name = _stack_name(stack)
    (summary,) = [
        summary
        for summary in cloudformation.list_change_sets(StackName=name)["Summaries"]
        if summary["StackName"] == name
    ]
    return cloudformation.describe_change_set(StackName=name, ChangeSetName=summary["ChangeSetName"])


def _packaged_template(s3: S3Client, bucket: str, function: str) -> dict[str, Any]:
    """The template sam uploaded for CloudFormation, told from the other stack's by a function's name."""
    for summary in s3.list_objects_v2(Bucket=bucket)["Contents"]:
        if summary["Key"].endswith(".template"):
            template: dict[str, Any] = load_yaml(
                s3.get_object(Bucket=bucket, Key=summary["Key"])["Body"].read()
            )
            if function in template["Resources"]:
                return template
    raise AssertionError(f"sam uploaded no template with {function}")


def _assert_code_uploaded_and_packaged(account: Account, bucket: str, stack: str, zip_name: str) -> None:
    # sam names an artifact by its content's MD5, and CodeUri of every function names that object.
    code = (REPO_ROOT / "build" / zip_name).read_bytes()
    key = hashlib.md5(code).hexdigest()
    s3: S3Client = account.client("s3")
    assert s3.head_object(Bucket=bucket, Key=key)["ContentLength"] == len(code)
    functions = [
        logical_id
        for logical_id, resource in load_template(stack)["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    ]
    packaged = _packaged_template(s3, bucket, functions[0])
    assert {
        name: packaged["Resources"][name]["Properties"]["CodeUri"] for name in functions
    } == dict.fromkeys(functions, f"s3://{bucket}/{key}")


def _assert_change_set_adds_the_template(account: Account, stack: str) -> DescribeChangeSetOutputTypeDef:
    change_set = _change_set(account, stack)
    assert change_set["Status"] == "CREATE_COMPLETE"
    added = {
        change["ResourceChange"]["LogicalResourceId"]
        for change in change_set["Changes"]
        if change["ResourceChange"]["Action"] == "Add"
    }
    assert added == set(load_template(stack)["Resources"])
    return change_set


def _moto_refused_to_execute(ran: Ran, stack: str) -> bool:
    """The one way a service stack's deploy ends in moto (docs/deploy-on-moto.md): a change set cannot import
    the core stack's exports, which moto never made, since core was created through a change set too."""
    # Which export moto names first depends on the template's imports: any of core's.
    refused = re.escape(
        f"Failed to create/update the stack: {_stack_name(stack)}, An error occurred (ValidationError) when "
        "calling the ExecuteChangeSet operation: No export named conveyor-core-"
    )
    return re.search(refused + r"\w+ found\.", ran.output) is not None


def test_the_deploy_page_sets_the_region_the_sam_cli_and_boto3_read() -> None:
    assert any(line.startswith("export AWS_DEFAULT_REGION=") for line in DEPLOY_SETUP)
    assert not any("AWS_REGION=" in line for line in DEPLOY_SETUP)


def test_aws_region_alone_leaves_sam_without_a_region_as_the_deploy_page_warns(account: Account) -> None:
    ran = account.make("deploy-core", setup=[f"export AWS_REGION={account.region}"])

    assert ran.returncode != 0, ran.describe()
    assert "No region information found" in ran.output, ran.describe()
    assert "No region information found" in DEPLOY_PAGE


def test_deploy_core_creates_the_core_stack_in_the_deploy_pages_region(
    account: Account, deployed_core: Ran
) -> None:
    assert deployed_core.returncode == 0, deployed_core.describe()
    assert f"Successfully created/updated stack - {_stack_name('core')}" in deployed_core.output

    assert _stack(account, "core")["StackStatus"] == "CREATE_COMPLETE"
    # Those of its resources moto makes (it skips the alarms and the bucket policy, as under `make dev`).
    resources = _physical_ids(account, "core")
    for table in ("JobsTable", "IdempotencyTable"):
        described = account.client("dynamodb").describe_table(TableName=resources[table])["Table"]
        assert described["TableArn"].startswith(f"arn:aws:dynamodb:{account.region}:")
    for queue in ("JobsQueue", "JobsDeadLetterQueue"):
        account.client("sqs").get_queue_attributes(QueueUrl=resources[queue])
    account.client("s3").head_bucket(Bucket=resources["FilesBucket"])


def test_deploy_worker_uploads_the_worker_zip_and_creates_its_change_set(
    account: Account, deployed_services: Ran, artifacts_bucket: str
) -> None:
    assert _moto_refused_to_execute(deployed_services, "worker"), deployed_services.describe()

    _assert_code_uploaded_and_packaged(account, artifacts_bucket, "worker", "worker.zip")
    change_set = _assert_change_set_adds_the_template(account, "worker")
    # samconfig.toml's parameter_overrides.
    assert change_set["Parameters"] == [
        {"ParameterKey": "CoreStackName", "ParameterValue": _stack_name("core")}
    ]


def test_deploy_api_uploads_the_api_zip_and_passes_the_pages_origin_and_api_parameters(
    account: Account, deployed_services: Ran, artifacts_bucket: str
) -> None:
    assert _moto_refused_to_execute(deployed_services, "api"), deployed_services.describe()

    _assert_code_uploaded_and_packaged(account, artifacts_bucket, "api", "api.zip")
    change_set = _assert_change_set_adds_the_template(account, "api")
    parameters = {
        parameter["ParameterKey"]: parameter["ParameterValue"] for parameter in change_set["Parameters"]
    }
    assert parameters == {
        "CoreStackName": _stack_name("core"),
        "AllowOrigin": SITE_ORIGIN,
        # Made by this first deploy, kept in SSM Parameter Store for the frontend stack and later deploys.
        "OriginSecret": _origin_secret(account),
        # Not the template default (262144, all inline): make deploy has deployed the worker that reads them.
        "PayloadInlineMaxBytes": "4096",
        "ThrottlingRateLimit": "100",
    }
    assert re.fullmatch(
        load_template("api")["Parameters"]["OriginSecret"]["AllowedPattern"], _origin_secret(account)
    )
    assert _origin_secret(account) not in deployed_services.output


def test_deploy_edge_creates_the_edge_stack_in_us_east_1_where_moto_makes_no_web_acl(
    account: Account, deployed_edge: Ran
) -> None:
    assert deployed_edge.returncode == 0, deployed_edge.describe()
    assert f"Successfully created/updated stack - {_stack_name('edge')} in us-east-1" in deployed_edge.output
    assert EDGE_REGION == "us-east-1"

    assert _stack(account, "edge", EDGE_REGION)["StackStatus"] == "CREATE_COMPLETE"
    with pytest.raises(Exception, match="does not exist"):
        _stack(account, "edge")  # not in docs/deploy.md's region
    assert [
        (change["ResourceChange"]["LogicalResourceId"], change["ResourceChange"]["ResourceType"])
        for change in _change_set(account, "edge", EDGE_REGION)["Changes"]
    ] == [("WebAcl", "AWS::WAFv2::WebACL")]
    # What moto does with it: nothing (docs/deploy-on-moto.md).
    assert account.client("wafv2", EDGE_REGION).list_web_acls(Scope="CLOUDFRONT")["WebACLs"] == []


def test_deploy_frontend_creates_the_frontend_stack_fronting_the_api_then_finds_no_outputs_to_publish_with(
    account: Account, deployed_services: Ran, deployed_frontend: Ran
) -> None:
    assert f"Successfully created/updated stack - {_stack_name('frontend')}" in deployed_frontend.output

    assert _stack(account, "frontend")["StackStatus"] == "CREATE_COMPLETE"
    account.client("s3").head_bucket(Bucket=_physical_ids(account, "frontend")["SiteBucket"])
    parameters = {
        parameter["ParameterKey"]: parameter["ParameterValue"]
        for parameter in _change_set(account, "frontend")["Parameters"]
    }
    # The api stack's domain, the edge stack's web ACL from us-east-1, and the secret the api stack requires.
    assert parameters == {
        "ApiDomainName": API_DOMAIN,
        "WebAclArn": WEB_ACL_ARN,
        "OriginSecret": _origin_secret(account),
    }
    assert _origin_secret(account) not in deployed_frontend.output
    # publish-frontend reads the frontend stack's outputs: moto gives a stack made through a change set none.
    assert deployed_frontend.returncode != 0
    assert (
        f"error: stack {_stack_name('frontend')} has no output BucketName (it has: none)"
        in deployed_frontend.output
    ), deployed_frontend.describe()


def test_make_deploy_runs_each_stack_in_order_with_its_absolute_samconfig_then_publishes() -> None:
    dry_run = subprocess.run(
        ["make", "--no-print-directory", "-n", "deploy"],
        cwd=REPO_ROOT,
        env={
            name: value
            for name, value in os.environ.items()
            if name not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")
        },
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    deploys = re.findall(r"(\S+/bin/sam) deploy --config-file (\S+) --template-file (\S+)", dry_run)
    assert [Path(template).parent.name for _, _, template in deploys] == [
        "core",
        "worker",
        "edge",
        "api",
        "frontend",
    ]
    for sam, config, template in deploys:
        # sam reads a relative --config-file from the template's folder: only an absolute one is unambiguous.
        assert (Path(sam), Path(config)) == (SAM, Path(template).parent / "samconfig.toml")
        assert Path(config).is_absolute()
    # A CLOUDFRONT web ACL exists only in us-east-1, whatever the other stacks' region.
    (edge_line,) = [line for line in dry_run.splitlines() if "/infra/edge/template.yaml" in line]
    assert "--region us-east-1" in edge_line
    # The page's config.json names the distribution, which serves the API: it is published last.
    assert dry_run.rindex("-m infra.frontend.publish") > dry_run.rindex("/infra/frontend/template.yaml")


def test_the_edge_stacks_samconfig_deploys_it_to_us_east_1_as_the_makefile_does() -> None:
    with (INFRA / "edge" / "samconfig.toml").open("rb") as config:
        parameters = tomllib.load(config)["default"]["deploy"]["parameters"]

    assert parameters["region"] == EDGE_REGION == "us-east-1"
    assert "capabilities" not in parameters  # no IAM, no artifacts


@pytest.mark.parametrize("stack", STACKS)
def test_every_stack_the_makefile_names_is_the_one_samconfig_deploys(stack: str) -> None:
    variable = f"{stack.upper()}_STACK"

    assert re.search(rf"^{variable} := {re.escape(_stack_name(stack))}$", MAKEFILE, re.MULTILINE), variable


@pytest.mark.parametrize("stack", STACKS)
def test_the_deploy_page_names_every_parameter_of_the_stack(stack: str) -> None:
    row = re.search(rf"^\| {stack} \| (.+) \|$", DEPLOY_PAGE, re.MULTILINE)
    assert row, f"docs/deploy.md has no parameters row for {stack}"
    documented = {name for name in re.findall(r"`([^`]+)`", row.group(1)) if re.fullmatch(r"[A-Z]\w*", name)}
    documented -= {name for name in documented if "_" in name}  # values such as PriceClass_100

    assert documented == set(load_template(stack).get("Parameters", {}))
