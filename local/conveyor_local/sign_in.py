"""`make dev` with sign-in (CONVEYOR_SIGN_IN=1): a Cognito user pool in moto, as a deployment brings its own.

On AWS the operator creates the user pool and its app client and gives their ids to the api stack
(UserPoolId, UserPoolClientId: docs/api.md, Sign-in and listing). Locally the same is done in moto, whose
Cognito (cognito-idp) issues tokens on InitiateAuth as Cognito does (RS256, `iss` the pool's
`https://cognito-idp.<region>.amazonaws.com/<pool id>` URL, `client_id` or `aud` the app client) and serves
the pool's discovery document and JWKS under `<moto endpoint>/<pool id>/.well-known/`. The api stack is then
deployed with those ids, so its template configures the JWT authorizer and AUTH_MODE=jwt exactly as on AWS;
the gateway takes its routes and authorizer from that template (conveyor_local.http_api) and reads the
issuer's keys from moto instead of the Cognito URL: the only local mapping, which the services never see.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from conveyor_local import config
from conveyor_local.aws import cognito_idp_client
from conveyor_local.http_api import HttpApiRoutes, http_api_routes
from conveyor_local.templates import INFRA_DIR, deployable

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

API_STACK = "api"
# The routes come from the template's HTTP API, which no function code affects.
_ANY_CODE_URI = "s3://conveyor-local-code/placeholder.zip"


def cognito_issuer_url(user_pool_id: str, region: str = config.REGION) -> str:
    """The `iss` of a Cognito user pool's tokens, which an API Gateway JWT authorizer is configured with."""
    return f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"


@dataclass(frozen=True)
class LocalUserPool:
    """A user pool and app client in moto, and where moto serves the pool's keys."""

    pool_id: str
    client_id: str
    aws_endpoint_url: str

    @property
    def issuer(self) -> str:
        return cognito_issuer_url(self.pool_id)

    @property
    def discovery_url(self) -> str:
        """Where moto serves the pool's `.well-known` documents (under the pool id, as Cognito does)."""
        return f"{self.aws_endpoint_url}/{self.pool_id}"

    def api_parameters(self) -> dict[str, str]:
        """The api stack's sign-in parameters, as a deployment with this pool passes them."""
        return {"UserPoolId": self.pool_id, "UserPoolClientId": self.client_id}

    def gateway_arguments(self) -> list[str]:
        """The api process's flag mapping the Cognito issuer to moto's copy of its `.well-known` documents."""
        return ["--issuer-discovery", f"{self.issuer}={self.discovery_url}"]

    def client(self) -> CognitoIdentityProviderClient:
        return cognito_idp_client(self.aws_endpoint_url)


def create_user_pool(aws_endpoint_url: str) -> LocalUserPool:
    """The pool and app client a deployment with sign-in has: users sign in with a password (InitiateAuth's
    USER_PASSWORD_AUTH, as docs/api.md shows), the client has no secret (a page or a CLI cannot keep one)."""
    cognito = cognito_idp_client(aws_endpoint_url)
    pool_id = cognito.create_user_pool(PoolName=config.USER_POOL_NAME)["UserPool"]["Id"]
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName=config.USER_POOL_NAME,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    pool = LocalUserPool(pool_id, client_id, aws_endpoint_url)
    for user in config.DEMO_USERS:
        add_user(pool, user)
    return pool


def find_user_pool(aws_endpoint_url: str) -> LocalUserPool:
    """The pool `create_user_pool` made in the moto at `aws_endpoint_url`, found by its name."""
    cognito = cognito_idp_client(aws_endpoint_url)
    (pool_id,) = [
        pool["Id"]
        for pool in cognito.list_user_pools(MaxResults=60)["UserPools"]
        if pool.get("Name") == config.USER_POOL_NAME
    ]
    (client,) = cognito.list_user_pool_clients(UserPoolId=pool_id)["UserPoolClients"]
    return LocalUserPool(pool_id, client["ClientId"], aws_endpoint_url)


def add_user(pool: LocalUserPool, username: str, password: str = config.DEMO_PASSWORD) -> None:
    """A user who can sign in with `password` at once, as an administrator creates one (no invitation)."""
    cognito = pool.client()
    cognito.admin_create_user(UserPoolId=pool.pool_id, Username=username, MessageAction="SUPPRESS")
    cognito.admin_set_user_password(
        UserPoolId=pool.pool_id, Username=username, Password=password, Permanent=True
    )


def sign_in(pool: LocalUserPool, username: str, password: str = config.DEMO_PASSWORD) -> dict[str, str]:
    """Sign in as a client does (InitiateAuth, USER_PASSWORD_AUTH): `AccessToken`, `IdToken` and the rest."""
    answer = pool.client().initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    return {name: str(value) for name, value in answer["AuthenticationResult"].items()}


def deployed_routes(parameters: dict[str, str], infra_dir: Path = INFRA_DIR) -> HttpApiRoutes:
    """The HTTP API's routes as the api stack (`infra_dir`'s) deploys them with `parameters`."""
    template = deployable(API_STACK, _ANY_CODE_URI, parameters=parameters, infra_dir=infra_dir)
    return http_api_routes(template, parameters)


def sign_in_lines(pool: LocalUserPool, api_url: str) -> list[str]:
    """What `make dev` prints of sign-in: the pool, each demo user's access token, how to sign in again."""
    tokens = {user: sign_in(pool, user)["AccessToken"] for user in config.DEMO_USERS}
    until = time.strftime("%H:%M", time.localtime(time.time() + config.MOTO_TOKEN_LIFETIME_SECONDS))
    first = config.DEMO_USERS[0]
    return [
        "",
        f"Sign-in is on ({config.SIGN_IN_VARIABLE}=1): every route but GET /health needs a token from",
        f"  user pool     {pool.pool_id}, app client {pool.client_id}  (in moto's Cognito)",
        f"  keys served   {pool.discovery_url}/.well-known/jwks.json",
        f"Access tokens, valid until {until}:",
        *(f"  {user:<5} {token}" for user, token in tokens.items()),
        f"List {first}'s jobs (export {first.upper()}=<{first}'s token>):",
        f'  curl -s {api_url}/jobs -H "authorization: Bearer ${first.upper()}"',
        f"Sign in again, as on AWS (users {', '.join(config.DEMO_USERS)}, password {config.DEMO_PASSWORD}),"
        " with the AWS_* exports below:",
        f"  aws cognito-idp initiate-auth --client-id {pool.client_id} --auth-flow USER_PASSWORD_AUTH"
        f" --auth-parameters USERNAME={first},PASSWORD={config.DEMO_PASSWORD}",
        f"More users: aws cognito-idp admin-create-user --user-pool-id {pool.pool_id} --username carol,"
        " then admin-set-user-password --permanent",
    ]
