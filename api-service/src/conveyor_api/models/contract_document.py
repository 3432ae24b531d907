"""What the generated models (models/generated/, from contracts/v1) cannot say: their JSON form, which JSON
integers they read, and the contract's last word on validity.

The models are frozen dataclasses rather than pydantic models: the contract's schemas already say what is
valid, and importing pydantic cost each cold start about 40 ms (docs/hand-written.md, The API's models and
clients).
"""

import json
from dataclasses import MISSING, Field, fields
from typing import TYPE_CHECKING, Any, ClassVar, Self, cast, get_args, get_origin, get_type_hints

from jsonschema import ValidationError

from conveyor_api import contract
from conveyor_api.json_pointer import json_pointer
from conveyor_api.json_types import JsonObject, JsonValue

if TYPE_CHECKING:
    from conveyor_api.models.generated.problem_schema import Error as Violation


class ContractViolationError(ValueError):
    """A document the contract rejects, and where: each violation is a JSON pointer into it and what is wrong.

    The jobs domain raises its subclasses for a request the contract rejects (jobs/errors.py), answered with a
    400 problem that lists the violations; any other is a document the API itself made or read, a bug answered
    500. Messages name places and rules, never quoting a value, whatever its size.
    """

    def __init__(self, document: str, violations: "list[Violation]", *, complete: bool = True) -> None:
        places = "; ".join(f"{violation.pointer or '/'}: {violation.message}" for violation in violations)
        super().__init__(f"not a valid {document}: {places}{'' if complete else '; ...'}")
        self.document = document
        self.violations = violations
        self.complete = complete
        """False when the document breaks the contract in more places than `violations` lists."""


class JsonDocument:
    """A frozen dataclass that is written as a JSON object, one member per field, in the fields' order.

    A member the schema makes optional (a field with a default) is absent when the model holds None: the
    contract's documents leave out what does not apply, and write null only where a member is required.
    """

    __slots__ = ()
    __dataclass_fields__: ClassVar[dict[str, Field[Any]]]

    def to_document(self) -> JsonObject:
        """The document as the `json` module writes it; JSON members are the model's own, not copies."""
        return {
            field.name: _json_member(value)
            for field in fields(self)
            if (value := getattr(self, field.name)) is not None or field.default is MISSING
        }

    def to_json(self) -> str:
        """The document as compact JSON text, as the API sends and stores it: no spaces, Unicode as is."""
        return json.dumps(self.to_document(), ensure_ascii=False, allow_nan=False, separators=(",", ":"))

    @classmethod
    def from_document(cls, document: JsonValue) -> Self:
        """The model of `document`, as `json` reads it, which its schema has accepted.

        A member the model does not know is left out: the documents the API reads from its peers are open, so
        that a newer worker may add one without an older API refusing the job (contracts/README.md).
        """
        members = cast(JsonObject, document)  # every contract document is an object
        types = _member_types(cls)
        known = {name: value for name, value in members.items() if name in types}
        return cls(**{name: _model_member(types[name], value) for name, value in known.items()})


def _json_member(value: object) -> JsonValue:
    if isinstance(value, JsonDocument):
        return value.to_document()
    if isinstance(value, list):
        return [_json_member(item) for item in value]
    return cast(JsonValue, value)


_MEMBER_TYPES: dict[type[JsonDocument], dict[str, Any]] = {}


def _member_types(model: type[JsonDocument]) -> dict[str, Any]:
    # Resolved once per model: the generated modules' annotations are text, under postponed evaluation.
    if model not in _MEMBER_TYPES:
        _MEMBER_TYPES[model] = get_type_hints(model)
    return _MEMBER_TYPES[model]


def _model_member(member_type: Any, value: JsonValue) -> Any:
    """A member of a document the contract has accepted, as a field of `member_type` holds it."""
    types = get_args(member_type) or (member_type,)
    if isinstance(value, dict):
        nested = next((t for t in types if isinstance(t, type) and issubclass(t, JsonDocument)), None)
        return value if nested is None else nested.from_document(value)
    if isinstance(value, list):
        items = next((get_args(t)[0] for t in types if get_origin(t) is list), None)
        return [_model_member(items, item) for item in value]
    if isinstance(value, float) and int in types:
        # The schema has accepted it as an integer (2.0 is one), so it is integral: the model holds the int.
        return int(value)
    return value


class ContractDocument(JsonDocument):
    """A document the API reads or writes, held to its schema: the one its generated module was made from.

    Field types say what the service relies on; rules that span fields (which attributes each status
    carries, the result schema of each job type) are the contract's, so the whole document is checked
    against its schema whenever a model is made, in code or from a document: a model never holds, and so
    never emits, a document the contract rejects.
    """

    __slots__ = ()

    def __post_init__(self) -> None:
        _require_valid(_schema_name(type(self)), self.to_document())

    @classmethod
    def from_document(cls, document: JsonValue) -> Self:
        """The model of `document`, as `json` reads it; ContractViolationError if the contract rejects it."""
        _require_valid(_schema_name(cls), document)
        return super().from_document(document)


def _schema_name(model: type[ContractDocument]) -> str:
    # models/generated/job_item_schema.py was generated from contracts/v1/job-item.schema.json.
    return model.__module__.rpartition(".")[2].removesuffix("_schema").replace("_", "-")


OF_NEWER_JOB_TYPES = frozenset({"job-item", "job-record", "job-list"})
"""The documents that may be of a job type this API's contract lacks: items that a newer API beside it (or
before a rollback) stored, and the records and lists this API makes of them. Such a document is held to the
rest of the contract, but not to its catalogue of job types, as `make contract-check` does: its forward checks
read a newer contract with the older catalogue, since the README's deploy order, not a schema, decides which
reader meets a new type (docs/design.md, Which job types the deployed worker runs)."""


def _require_valid(schema_name: str, document: object) -> None:
    """Raises ContractViolationError unless the contract's schema `schema_name` accepts `document` (for the
    documents of OF_NEWER_JOB_TYPES, with any job type name)."""
    errors = [
        error
        for error in contract.validator(schema_name).iter_errors(document)
        if not (schema_name in OF_NEWER_JOB_TYPES and _names_a_newer_job_type(error))
    ]
    if errors:
        # Imported here: the generated module of the problem document is itself built on this module's bases.
        from conveyor_api.models.generated.problem_schema import Error as Violation

        # Keywords rather than jsonschema's messages: those quote the offending value, whatever its size.
        violations = [
            Violation(pointer=json_pointer(error.path), message=str(error.validator)) for error in errors
        ]
        raise ContractViolationError(schema_name, violations)


def _names_a_newer_job_type(error: ValidationError) -> bool:
    """Whether `error` says only that a job_type is a name outside this contract's catalogue: a newer job type
    has no if/then branch here, so no other rule of its document depends on it."""
    path = list(error.absolute_path)
    return error.validator == "enum" and path[-1:] == ["job_type"] and isinstance(error.instance, str)
