"""What every model of a contract document shares: its JSON form, and the contract's last word on validity.

Models are frozen dataclasses rather than pydantic models: the contract's schemas already say what is valid,
and importing pydantic cost each cold start about 40 ms (docs/hand-written.md, The API's models and clients).
"""

import json
from collections.abc import Callable, Mapping
from dataclasses import Field, fields
from typing import Annotated, Any, ClassVar, Self, cast, get_args

from conveyor_api import contract
from conveyor_api.json_pointer import json_pointer
from conveyor_api.json_types import JsonObject, JsonValue

JsonInteger = Annotated[int, "an integer as JSON Schema counts them: 2.0 is one, and is read as 2"]


class InvalidDocumentError(ValueError):
    """A document the contract rejects; the message names where and which rule, never quoting a value."""


def _require_valid(schema_name: str, document: object) -> None:
    """Raises InvalidDocumentError unless the contract's schema `schema_name` accepts `document`."""
    errors = list(contract.validator(schema_name).iter_errors(document))
    if errors:
        # Keywords rather than jsonschema's messages: those quote the offending value, whatever its size.
        broken = "; ".join(f"{json_pointer(error.path) or '/'}: {error.validator}" for error in errors)
        raise InvalidDocumentError(f"not a valid {schema_name}: {broken}")


class JsonDocument:
    """A frozen dataclass that is written as a JSON object, one member per field, in the fields' order."""

    __slots__ = ()
    __dataclass_fields__: ClassVar[dict[str, Field[Any]]]

    def to_document(self) -> JsonObject:
        """The document as the `json` module writes it; JSON members are the model's own, not copies."""
        return {field.name: _json_member(getattr(self, field.name)) for field in fields(self)}

    def to_json(self) -> str:
        """The document as compact JSON text, as the API sends and stores it: no spaces, Unicode as is."""
        return json.dumps(self.to_document(), ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _json_member(value: object) -> JsonValue:
    if isinstance(value, JsonDocument):
        return value.to_document()
    if isinstance(value, list):
        return [_json_member(item) for item in value]
    return cast(JsonValue, value)


class ContractDocument(JsonDocument):
    """A typed view of a document that `contract_schema` describes.

    Field types say what the service relies on; rules that span fields (which attributes each status
    carries, the result schema of each job type) are the contract's, so the whole document is checked
    against its schema whenever a model is made, in code or from a document: a model never holds, and so
    never emits, a document the contract rejects.
    """

    __slots__ = ()
    contract_schema: ClassVar[str]
    nested_documents: ClassVar[Mapping[str, Callable[..., JsonDocument]]] = {}
    """Members that are documents of their own (or arrays of them), with the model each is read as."""

    def __post_init__(self) -> None:
        _require_valid(self.contract_schema, self.to_document())

    @classmethod
    def from_document(cls, document: JsonValue) -> Self:
        """The model of `document`, as `json` reads it; InvalidDocumentError if the contract rejects it."""
        _require_valid(cls.contract_schema, document)
        members = cast(JsonObject, document)  # every contract document is an object
        return cls(**{name: _model_member(cls, name, value) for name, value in members.items()})


def _model_member(model: type[ContractDocument], name: str, value: JsonValue) -> Any:
    """A member of a document the contract has accepted, as `model` holds it."""
    nested = model.nested_documents.get(name)
    if nested is not None and isinstance(value, list):
        return [_nested_member(nested, item) for item in value]
    if nested is not None and isinstance(value, dict):
        return _nested_member(nested, value)
    if isinstance(value, float) and name in _json_integers(model):
        # The schema has accepted it as an integer, so it is integral: the model holds the int it stands for.
        return int(value)
    return value


def _nested_member(nested: Callable[..., JsonDocument], value: JsonValue) -> JsonDocument:
    # A nested contract document is read as a document too, so that its own nested members and integers are.
    model = nested
    if isinstance(model, type) and issubclass(model, ContractDocument):
        return model.from_document(value)
    return nested(**cast(JsonObject, value))


def _json_integers(model: type[ContractDocument]) -> set[str]:
    return {field.name for field in fields(model) if JsonInteger in (field.type, *get_args(field.type))}


class SparseContractDocument(ContractDocument):
    """A document whose optional members are absent, never null: a field left at None is left out."""

    __slots__ = ()

    def to_document(self) -> JsonObject:
        return {name: value for name, value in super().to_document().items() if value is not None}

    @classmethod
    def from_document(cls, document: JsonValue) -> Self:
        if isinstance(document, dict):
            nulls = sorted(name for name, value in document.items() if value is None)
            if nulls:
                raise InvalidDocumentError(f"{', '.join(nulls)} must be absent rather than null")
        return super().from_document(document)
