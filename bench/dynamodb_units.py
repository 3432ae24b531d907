"""DynamoDB's capacity arithmetic, from item sizes: what a write or a read of an item costs in request units.

moto answers every call with a fixed ConsumedCapacity (1.0 for a 3 KB PutItem, 0.5 for a strongly consistent
GetItem), so the benchmarks size the items themselves, by the rules of the DynamoDB Developer Guide:

- item size ("Item sizes and formats"): the sum of attribute names (UTF-8 bytes) and values; a string is its
  UTF-8 bytes, a number about 1 byte per two significant digits plus 1, a binary its raw bytes, a null or
  boolean 1 byte; a list or map 3 bytes plus its elements, each element 1 byte more;
- writes ("Read and write operations"): 1 WRU per KB (1024 bytes, rounded up) of the larger of the item's
  before and after images; a refused conditional write still consumes them;
- reads: per 4 KB rounded up, 1 RRU strongly consistent, 0.5 eventually consistent; a Query sums the sizes of
  the items it reads before rounding, and reads at least one unit even when it finds nothing;
- a global secondary index ("Global secondary indexes", writes): a table write that puts an item into the
  index costs one index write, one that takes it out costs one, one that changes an index key attribute costs
  two (a delete and a put), one that changes only projected attributes one; each sized by the projected item.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

AttributeValue = Mapping[str, Any]
Item = Mapping[str, AttributeValue]

WRITE_UNIT_BYTES = 1024
READ_UNIT_BYTES = 4096


def item_size(item: Item) -> int:
    return sum(_name(name) + value_size(value) for name, value in item.items())


def value_size(value: AttributeValue) -> int:
    ((kind, data),) = value.items()
    match kind:
        case "S":
            return len(str(data).encode("utf-8"))
        case "N":
            return number_size(str(data))
        case "B":
            return len(data)
        case "BOOL" | "NULL":
            return 1
        case "SS":
            return sum(len(str(member).encode("utf-8")) for member in data)
        case "NS":
            return sum(number_size(str(member)) for member in data)
        case "BS":
            return sum(len(member) for member in data)
        case "L":
            return 3 + sum(value_size(member) + 1 for member in data)
        case "M":
            return 3 + sum(_name(name) + value_size(member) + 1 for name, member in data.items())
    raise ValueError(f"not a DynamoDB attribute value: {value!r}")


def number_size(text: str) -> int:
    mantissa = text.lower().split("e", 1)[0].lstrip("+-").replace(".", "")
    significant = mantissa.strip("0")
    return math.ceil(len(significant) / 2) + 1


def _name(name: str) -> int:
    return len(name.encode("utf-8"))


def write_units(size: int) -> int:
    return max(1, math.ceil(size / WRITE_UNIT_BYTES))


def read_units(size: int, *, consistent: bool) -> float:
    units = max(1, math.ceil(size / READ_UNIT_BYTES))
    return float(units) if consistent else units / 2


@dataclass(frozen=True)
class Index:
    """A global secondary index as the table describes it: its key attributes and the ones it projects."""

    name: str
    keys: tuple[str, ...]
    projected: tuple[str, ...]
    table_keys: tuple[str, ...]

    @classmethod
    def from_description(cls, table: Mapping[str, Any], name: str) -> Index:
        [index] = [index for index in table.get("GlobalSecondaryIndexes", []) if index["IndexName"] == name]
        projection = index["Projection"]
        if projection["ProjectionType"] == "ALL":
            raise ValueError("an ALL projection is sized as the whole item: not needed here")
        return cls(
            name=name,
            keys=tuple(element["AttributeName"] for element in index["KeySchema"]),
            projected=tuple(projection.get("NonKeyAttributes", ())),
            table_keys=tuple(element["AttributeName"] for element in table["KeySchema"]),
        )

    def image(self, item: Item | None) -> dict[str, AttributeValue] | None:
        """The item as the index holds it, or None when the item is not in the (sparse) index."""
        if item is None or any(key not in item for key in self.keys):
            return None
        names = (*self.table_keys, *self.keys, *self.projected)
        return {name: item[name] for name in dict.fromkeys(names) if name in item}

    def write_units(self, before: Item | None, after: Item | None) -> int:
        """The index's write units for one table write that turns `before` into `after` (None: no item)."""
        return sum(units for _, units in self.partition_writes(before, after))

    def partition_writes(self, before: Item | None, after: Item | None) -> list[tuple[AttributeValue, int]]:
        """The same units, each with the partition key value of the index entry it writes: an update that
        moves an item's keys deletes the old entry and puts a new one, and DynamoDB bills both."""
        old, new = self.image(before), self.image(after)
        partition = self.keys[0]
        if old is not None and new is not None and all(old.get(key) == new.get(key) for key in self.keys):
            return [(new[partition], write_units(item_size(new)))] if old != new else []
        return [
            (image[partition], write_units(item_size(image))) for image in (old, new) if image is not None
        ]


def table_write_units(before: Item | None, after: Item | None) -> int:
    """One table write's units: by the larger of the two images."""
    return write_units(max(item_size(before or {}), item_size(after or {})))
