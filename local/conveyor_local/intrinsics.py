"""CloudFormation's intrinsic functions, evaluated here for the parts of a template moto leaves alone.

moto evaluates the resources it deploys, but skips the HTTP API (AWS::ApiGatewayV2::*) and never checks a
template's Rules. The local stack reads both from the template with the deployed parameters, through this:
`Ref` (parameters, pseudo parameters; a resource's reference stays its logical id), `Fn::If` and the
condition functions, `Fn::Sub`, `Fn::Join`, `Fn::GetAtt` (as `LogicalId.Attribute`) and `AWS::NoValue`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from conveyor_local.config import ACCOUNT_ID, REGION

NO_VALUE = "AWS::NoValue"
_SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")


class IntrinsicError(ValueError):
    """A template uses an intrinsic function, or names something, that cannot be evaluated here."""


class _Removed:
    """What `Ref: AWS::NoValue` evaluates to: the property or list item disappears."""


_REMOVED = _Removed()


class Evaluator:
    """Evaluates a template's values with the given parameter values (the rest take their defaults)."""

    def __init__(
        self,
        template: Mapping[str, Any],
        parameters: Mapping[str, str],
        *,
        region: str = REGION,
        account_id: str = ACCOUNT_ID,
        stack_name: str = "local",
    ) -> None:
        self._template = template
        declared: Mapping[str, Any] = template.get("Parameters", {})
        self._parameters = {
            name: parameters.get(name, str(spec.get("Default", ""))) for name, spec in declared.items()
        }
        self._pseudo = {
            "AWS::Region": region,
            "AWS::AccountId": account_id,
            "AWS::StackName": stack_name,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }

    def condition(self, name: str) -> bool:
        conditions: Mapping[str, Any] = self._template.get("Conditions", {})
        if name not in conditions:
            raise IntrinsicError(f"the template has no condition {name}")
        return self.truth(conditions[name])

    def truth(self, value: Any) -> bool:
        """A condition function (Fn::Equals, Fn::Not, Fn::And, Fn::Or, or a `Condition` reference)."""
        if isinstance(value, bool):
            return value
        if not isinstance(value, Mapping) or len(value) != 1:
            raise IntrinsicError(f"not a condition: {value!r}")
        ((function, argument),) = value.items()
        if function == "Condition":
            return self.condition(argument)
        if function == "Fn::Equals":
            left, right = (self.value(item) for item in argument)
            return str(left) == str(right)
        if function == "Fn::Not":
            (inner,) = argument
            return not self.truth(inner)
        if function == "Fn::And":
            return all(self.truth(item) for item in argument)
        if function == "Fn::Or":
            return any(self.truth(item) for item in argument)
        raise IntrinsicError(f"{function} is not a condition function")

    def value(self, value: Any) -> Any:
        """`value` with every intrinsic function evaluated and every AWS::NoValue removed."""
        evaluated = self._evaluate(value)
        return None if evaluated is _REMOVED else evaluated

    def _evaluate(self, value: Any) -> Any:
        if isinstance(value, list):
            return [item for item in (self._evaluate(item) for item in value) if item is not _REMOVED]
        if not isinstance(value, Mapping):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            if key == "Ref" or key.startswith("Fn::"):
                return self._function(key, argument)
        return {
            key: evaluated
            for key, evaluated in ((key, self._evaluate(item)) for key, item in value.items())
            if evaluated is not _REMOVED
        }

    def _function(self, function: str, argument: Any) -> Any:
        if function == "Ref":
            return self._reference(argument)
        if function == "Fn::If":
            condition, when_true, when_false = argument
            return self._evaluate(when_true if self.condition(condition) else when_false)
        if function == "Fn::Sub":
            return self._substitute(argument)
        if function == "Fn::Join":
            separator, items = argument
            return separator.join(str(item) for item in self._evaluate(items))
        if function == "Fn::GetAtt":
            attribute = argument if isinstance(argument, list) else argument.split(".", 1)
            return ".".join(attribute)
        if function in ("Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or"):
            return self.truth({function: argument})
        raise IntrinsicError(f"{function} cannot be evaluated locally")

    def _reference(self, name: str) -> Any:
        if name == NO_VALUE:
            return _REMOVED
        if name in self._parameters:
            return self._parameters[name]
        if name in self._pseudo:
            return self._pseudo[name]
        if name in self._template.get("Resources", {}):
            return name
        raise IntrinsicError(f"Ref to {name}, which the template does not declare")

    def _substitute(self, argument: Any) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        values = {name: self._evaluate(value) for name, value in variables.items()}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in values:
                return str(values[name])
            if "." in name:
                return name
            return str(self._reference(name))

        return _SUB_VARIABLE.sub(replace, text)
