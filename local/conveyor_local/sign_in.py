"""`make dev` with sign-in (CONVEYOR_SIGN_IN=1): the local test issuer, the api stack's parameters for it, and
what the gateway and the developer need to know.

The api stack is deployed with a local user pool id and app client id (config.LOCAL_USER_POOL_ID,
LOCAL_USER_POOL_CLIENT_ID), so its template configures the JWT authorizer and AUTH_MODE=jwt exactly as on
AWS. The gateway takes its routes and authorizer from that template (conveyor_local.http_api), and finds the
Cognito issuer's keys at the local issuer instead (the only local mapping: the services know nothing of it).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from conveyor_local import config
from conveyor_local.http_api import HttpApiRoutes, http_api_routes
from conveyor_local.http_serving import BackgroundHttpServer
from conveyor_local.identity import TOKENS_PATH, LocalIssuer
from conveyor_local.templates import deployable

API_STACK = "api"
# The routes come from the template's HTTP API, which no function code affects.
_ANY_CODE_URI = "s3://conveyor-local-code/placeholder.zip"


def api_parameters(sign_in: bool) -> dict[str, str]:
    """The api stack's sign-in parameters: the local pool and client, or none (the template's defaults)."""
    if not sign_in:
        return {}
    return {"UserPoolId": config.LOCAL_USER_POOL_ID, "UserPoolClientId": config.LOCAL_USER_POOL_CLIENT_ID}


def deployed_routes(parameters: dict[str, str]) -> HttpApiRoutes:
    """The HTTP API's routes as the api stack deploys them with `parameters`."""
    return http_api_routes(deployable(API_STACK, _ANY_CODE_URI, parameters=parameters), parameters)


@dataclass(frozen=True)
class LocalSignIn:
    issuer: LocalIssuer
    server: BackgroundHttpServer

    @property
    def discovery_url(self) -> str:
        """Where the issuer's `.well-known` documents are served (under the pool id, as Cognito's)."""
        return self.issuer.jwks_base_url(self.server.url)

    @property
    def tokens_url(self) -> str:
        return f"{self.server.url}{TOKENS_PATH}"

    def gateway_arguments(self) -> list[str]:
        """The api process's flag mapping the Cognito issuer to the local one."""
        return ["--issuer-discovery", f"{self.issuer.issuer}={self.discovery_url}"]

    def stop(self) -> None:
        self.server.stop()


def start_local_sign_in(settings: config.LocalStackConfig) -> LocalSignIn:
    issuer = LocalIssuer(config.LOCAL_USER_POOL_ID, config.LOCAL_USER_POOL_CLIENT_ID)
    return LocalSignIn(issuer, issuer.serve(settings.host, settings.issuer_port))


def sign_in_lines(sign_in: LocalSignIn, api_url: str) -> list[str]:
    """What `make dev` prints of sign-in: the pool, the issuer, each demo user's access token, how to list."""
    lifetime = config.DEMO_TOKEN_LIFETIME_SECONDS
    until = time.strftime("%H:%M", time.localtime(time.time() + lifetime))
    lines = [
        "",
        f"Sign-in is on ({config.SIGN_IN_VARIABLE}=1): every route but GET /health needs a token from",
        f"  user pool     {config.LOCAL_USER_POOL_ID}, app client {config.LOCAL_USER_POOL_CLIENT_ID}"
        f" (issuer {sign_in.issuer.issuer})",
        f"  keys served   {sign_in.discovery_url}/.well-known/jwks.json  (the local test issuer)",
        f"Access tokens, valid until {until}:",
    ]
    for user in config.DEMO_USERS:
        token = sign_in.issuer.access_token(user, lifetime_seconds=lifetime)
        lines.append(f"  {user:<5} {token}")
    first = config.DEMO_USERS[0]
    lines += [
        f"List {first}'s jobs (export {first.upper()}=<{first}'s token>):",
        f'  curl -s {api_url}/jobs -H "authorization: Bearer ${first.upper()}"',
        "A token for anyone else:",
        f"""  curl -s -X POST {sign_in.tokens_url} -d '{{"username":"carol"}}'""",
    ]
    return lines
