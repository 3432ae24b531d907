"""What every model of a contract document shares: strict typing, and the contract's last word on validity."""

from typing import Annotated, ClassVar, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    JsonValue,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)

from conveyor_api import contract
from conveyor_api.json_pointer import json_pointer

JsonObject = dict[str, JsonValue]


def _integral_float_as_int(value: object) -> object:
    # JSON Schema counts 2.0 as an integer; pydantic's strict int does not.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


JsonInteger = Annotated[int, BeforeValidator(_integral_float_as_int)]


class ContractDocument(BaseModel):
    """A typed view of a document that `contract_schema` describes.

    Field types say what the service relies on; rules that span fields (which attributes each status
    carries, the result schema of each job type) are the contract's, so after validation the whole document
    is checked against its schema: a model never holds, and so never emits, a document the contract rejects.
    """

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)
    contract_schema: ClassVar[str]

    @model_validator(mode="after")
    def _matches_the_contract(self) -> Self:
        errors = list(contract.validator(self.contract_schema).iter_errors(self.model_dump(mode="json")))
        if errors:
            # Keywords rather than jsonschema's messages: those quote the offending value, whatever its size.
            broken = "; ".join(f"{json_pointer(error.path) or '/'}: {error.validator}" for error in errors)
            raise ValueError(f"not a valid {self.contract_schema}: {broken}")
        return self


class SparseContractDocument(ContractDocument):
    """A document whose optional members are absent, never null: a field left at None is left out."""

    @model_validator(mode="before")
    @classmethod
    def _refuse_null_members(cls, data: object) -> object:
        if isinstance(data, dict):
            nulls = sorted(str(name) for name, value in data.items() if value is None)
            if nulls:
                raise ValueError(f"{', '.join(nulls)} must be absent rather than null")
        return data

    @model_serializer(mode="wrap")
    def _omit_absent_members(self, serialize: SerializerFunctionWrapHandler) -> JsonObject:
        document: JsonObject = serialize(self)
        return {name: value for name, value in document.items() if value is not None}
