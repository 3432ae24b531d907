"""`make package` builds, per service, the zip its stack's CodeUri names, with what Lambda needs to run it.

The zips are built by the real target into a temporary folder (uv's cache makes a warm build take seconds).
Nothing here runs the code, whose native extensions are for arm64; what can be read from the zips is checked:
each handler's module where its Handler string points, its first-party imports, the contract, the native
builds, and that the dependencies the bundled distributions declare for Lambda's Python are all bundled.
"""

from __future__ import annotations

import ast
import email.message
import email.parser
import hashlib
import json
import os
import shlex
import struct
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from infra.lambda_bytecode import find_python
from tests.infra.templates import INFRA, Template, load_template, resources_of_type
from tests.support import report

ROOT = INFRA.parent
CONTRACT = ROOT / "contracts" / "v1"
# The stacks whose functions run a service's code: the service's folder and package.
SERVICES = {"api": ("api-service", "conveyor_api"), "worker": ("worker-service", "conveyor_worker")}
FIRST_PARTY = {"conveyor_api", "conveyor_worker", "conveyor_local"}

# Lambda's python3.12 on arm64, as environment markers see it (PEP 508).
LAMBDA_MARKERS = {
    "implementation_name": "cpython",
    "implementation_version": "3.12.0",
    "os_name": "posix",
    "platform_machine": "aarch64",
    "platform_python_implementation": "CPython",
    "platform_system": "Linux",
    "python_full_version": "3.12.0",
    "python_version": "3.12",
    "sys_platform": "linux",
}
ELF_MAGIC = b"\x7fELF"
EM_AARCH64 = 0xB7
TYPE_CHECKING = {"TYPE_CHECKING", "typing.TYPE_CHECKING"}
# Lambda refuses function code larger than this once unzipped (layers included).
LAMBDA_UNZIPPED_LIMIT = 250 * 10**6


def _make(*arguments: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    # Under `make test` the environment carries the outer make's flags (variables, jobserver): drop them.
    environment = {name: value for name, value in os.environ.items() if name not in {"MAKEFLAGS", "MFLAGS"}}
    return subprocess.run(
        ["make", "--no-print-directory", *arguments], cwd=cwd, env=environment, capture_output=True, text=True
    )


def _make_package(build_dir: Path) -> dict[str, Path]:
    built = _make("package", f"BUILD_DIR={build_dir}")
    if built.returncode != 0:
        pytest.fail(f"make package failed:\n{built.stdout}{built.stderr}")
    return {stack: build_dir / f"{stack}.zip" for stack in SERVICES}


@pytest.fixture(scope="module")
def zips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    started = time.monotonic()
    built = _make_package(tmp_path_factory.mktemp("build"))
    report.line(f"make package: {time.monotonic() - started:.1f} s")
    for stack, path in built.items():
        with zipfile.ZipFile(path) as archive:
            unzipped = sum(entry.file_size for entry in archive.infolist()) / 2**20
        report.line(f"  {stack}.zip {path.stat().st_size / 2**20:.1f} MiB (unzipped {unzipped:.1f} MiB)")
    return built


@pytest.fixture(scope="module")
def contents(zips: dict[str, Path]) -> dict[str, dict[str, bytes]]:
    """Each zip's files by name: read once, since most tests look at every file."""
    read = {}
    for stack, path in zips.items():
        with zipfile.ZipFile(path) as archive:
            read[stack] = {name: archive.read(name) for name in archive.namelist()}
    return read


def _functions(stack: str) -> Iterator[tuple[str, dict[str, str]]]:
    """Each function's logical id and properties, with the template's Globals filled in."""
    template: Template = load_template(stack)
    defaults = template.get("Globals", {}).get("Function", {})
    for logical_id, properties in resources_of_type(template, "AWS::Serverless::Function"):
        yield logical_id, {**defaults, **properties}


def _default_zip(stack: str) -> Path:
    """Where `make package` writes the stack's zip when no BUILD_DIR is given, read from its dry run."""
    service, _ = SERVICES[stack]
    dry_run = _make("-n", "package", cwd=ROOT / service)
    assert dry_run.returncode == 0, dry_run.stderr
    (zip_command,) = [line for line in dry_run.stdout.splitlines() if "lambda_zip.py" in line]
    return (ROOT / service / shlex.split(zip_command)[-1]).resolve()


@pytest.mark.parametrize("stack", SERVICES)
def test_every_function_code_uri_is_the_zip_make_package_builds(stack: str, zips: dict[str, Path]) -> None:
    functions = dict(_functions(stack))
    built_by_default = _default_zip(stack)

    assert functions
    for properties in functions.values():
        assert (INFRA / stack / properties["CodeUri"]).resolve() == built_by_default
    assert zips[stack].name == built_by_default.name
    assert zipfile.is_zipfile(zips[stack])


def _handler_module(handler: str) -> tuple[str, str]:
    module, _, function = handler.rpartition(".")
    return module, function


def _defines(source: bytes, name: str) -> bool:
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return True
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == name for target in node.targets
        ):
            return True
    return False


@pytest.mark.parametrize("stack", SERVICES)
def test_each_handler_is_defined_where_its_handler_string_points_in_the_zip(
    stack: str, contents: dict[str, dict[str, bytes]]
) -> None:
    files = contents[stack]
    for logical_id, properties in _functions(stack):
        module, function = _handler_module(properties["Handler"])
        parts = module.split(".")
        # Lambda imports the module from the zip's root, as a package path: every level needs its __init__.py.
        for depth in range(1, len(parts)):
            assert "/".join([*parts[:depth], "__init__.py"]) in files, (logical_id, module)
        source = files["/".join(parts) + ".py"]
        assert _defines(source, function), f"{logical_id}: {module} defines no {function}"


def _imports(source: bytes, package: str | None) -> Iterator[str]:
    """The absolute names a module imports when it runs (not those under `if TYPE_CHECKING:`)."""

    def visit(nodes: list[ast.stmt]) -> Iterator[str]:
        for node in nodes:
            if isinstance(node, ast.If) and ast.unparse(node.test) in TYPE_CHECKING:
                yield from visit(node.orelse)
                continue
            if isinstance(node, ast.Import):
                yield from (alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                module = node.module or ""
                if node.level:
                    assert package is not None
                    base = package.rsplit(".", node.level - 1)[0]
                    module = f"{base}.{module}" if module else base
                yield module
                # `from package import name` may name a submodule, or anything else the package defines.
                yield from (f"{module}.{alias.name}" for alias in node.names)
            # Imports inside functions, classes and blocks run too, sooner or later.
            for field in ("body", "orelse", "finalbody"):
                yield from visit([child for child in getattr(node, field, []) if isinstance(child, ast.stmt)])
            for handler in getattr(node, "handlers", []):
                yield from visit(handler.body)

    yield from visit(ast.parse(source).body)


def _first_party_source(files: dict[str, bytes], name: str) -> tuple[bytes, str] | None:
    """A first-party module's source and package, or None when `name` is not a module (an imported name)."""
    path = name.replace(".", "/")
    if f"{path}.py" in files:
        return files[f"{path}.py"], name.rpartition(".")[0]
    if f"{path}/__init__.py" in files:
        return files[f"{path}/__init__.py"], name
    return None


@pytest.mark.parametrize("stack", SERVICES)
def test_handlers_import_only_what_the_zip_or_the_standard_library_holds(
    stack: str, contents: dict[str, dict[str, bytes]]
) -> None:
    files = contents[stack]
    top_level = {name.split("/")[0].removesuffix(".py") for name in files}
    pending = [_handler_module(properties["Handler"])[0] for _, properties in _functions(stack)]
    seen: set[str] = set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        root = name.split(".")[0]
        if root not in FIRST_PARTY:
            assert root in sys.stdlib_module_names or root in top_level, f"{name} is not in {stack}.zip"
            continue
        found = _first_party_source(files, name)
        if found is None:
            parent = name.rpartition(".")[0]
            assert _first_party_source(files, parent) is not None, f"{name} is not in {stack}.zip"
            continue
        # Lambda imports packages from their __init__.py down: each parent runs too.
        pending.extend(".".join(name.split(".")[:depth]) for depth in range(1, name.count(".") + 1))
        pending.extend(_imports(*found))
    assert any(name.startswith(SERVICES[stack][1]) for name in seen)


@pytest.mark.parametrize("stack", SERVICES)
def test_zip_holds_the_service_exactly_as_in_the_working_tree(
    stack: str, contents: dict[str, dict[str, bytes]]
) -> None:
    service, package = SERVICES[stack]
    source = ROOT / service / "src" / package
    schemas = f"{package}/contract/schemas/"
    expected = {
        f"{package}/{path.relative_to(source).as_posix()}": path.read_bytes()
        for path in source.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    expected = {name: data for name, data in expected.items() if not name.startswith(schemas)}
    bundled = {
        name: data
        for name, data in contents[stack].items()
        if name.startswith(f"{package}/") and not name.startswith(schemas) and not name.endswith(".pyc")
    }

    assert bundled.keys() == expected.keys()
    assert [name for name in bundled if bundled[name] != expected[name]] == []


@pytest.mark.parametrize("stack", SERVICES)
def test_contract_schemas_are_bundled_byte_for_byte(
    stack: str, contents: dict[str, dict[str, bytes]]
) -> None:
    prefix = f"{SERVICES[stack][1]}/contract/schemas/"
    bundled = {
        name.removeprefix(prefix): hashlib.sha256(data).hexdigest()
        for name, data in contents[stack].items()
        if name.startswith(prefix)
    }
    contract = {
        path.relative_to(CONTRACT).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in CONTRACT.rglob("*")
        if path.is_file()
    }

    assert contract
    assert bundled == contract


def _elf_machine(data: bytes) -> int:
    # e_machine follows e_ident (16 bytes) and e_type (2), little-endian as on both x86_64 and aarch64.
    (machine,) = struct.unpack_from("<H", data, 18)
    return int(machine)


@pytest.mark.parametrize("stack", SERVICES)
def test_every_native_binary_is_built_for_arm64_and_cpython_312(
    stack: str, contents: dict[str, dict[str, bytes]]
) -> None:
    binaries = {name: data for name, data in contents[stack].items() if data.startswith(ELF_MAGIC)}
    # Extension modules, as opposed to the shared libraries auditwheel vendors into `<package>.libs/`.
    extensions = [name for name in binaries if name.endswith(".so") and ".libs/" not in name]

    # rpds (jsonschema's) at least, and the worker's pydantic_core: without them the checks prove nothing.
    native = {"rpds", "pydantic_core"} if stack == "worker" else {"rpds"}
    assert {name.split("/")[0] for name in extensions} >= native
    assert [name for name in contents[stack] if name.endswith(".so") and name not in binaries] == []
    machines = {name: hex(_elf_machine(data)) for name, data in binaries.items()}
    assert {name: machine for name, machine in machines.items() if machine != hex(EM_AARCH64)} == {}
    for name in extensions:
        suffix = name.rsplit("/", 1)[-1].split(".", 1)[1]
        assert suffix in {"cpython-312-aarch64-linux-gnu.so", "abi3.so"}, name


def _distributions(files: dict[str, bytes]) -> dict[str, email.message.Message]:
    parser = email.parser.BytesParser()
    return {
        canonicalize_name(metadata["Name"]): metadata
        for metadata in (
            parser.parsebytes(data) for name, data in files.items() if name.endswith(".dist-info/METADATA")
        )
    }


@pytest.mark.parametrize("stack", SERVICES)
def test_every_dependency_declared_for_lambda_is_bundled_at_a_matching_version(
    stack: str, contents: dict[str, dict[str, bytes]]
) -> None:
    """requirements.lock is resolved for this machine's Python: Lambda's must need nothing more."""
    distributions = _distributions(contents[stack])
    pending = [(name, "") for name in distributions]
    checked: set[tuple[str, str]] = set()
    unmet = []
    while pending:
        name, extra = pending.pop()
        if (name, extra) in checked:
            continue
        checked.add((name, extra))
        for line in distributions[name].get_all("Requires-Dist") or []:
            requirement = Requirement(line)
            if requirement.marker and not requirement.marker.evaluate({**LAMBDA_MARKERS, "extra": extra}):
                continue
            wanted = canonicalize_name(requirement.name)
            bundled = distributions.get(wanted)
            if bundled is None or not requirement.specifier.contains(bundled["Version"], prereleases=True):
                unmet.append(f"{name} needs {line}")
                continue
            pending.extend((wanted, wanted_extra) for wanted_extra in requirement.extras)

    assert f"conveyor-{stack}" in distributions
    assert unmet == []


@pytest.mark.parametrize("stack", SERVICES)
def test_zip_holds_no_tests_environments_or_the_other_service(
    stack: str, zips: dict[str, Path], contents: dict[str, dict[str, bytes]]
) -> None:
    names = list(contents[stack])
    first_party = {name.split("/")[0] for name in names if name.split("/")[0] in FIRST_PARTY}

    assert first_party == {SERVICES[stack][1]}
    assert [name for name in names if name.split("/")[0] in {"tests", "bin", ".venv"}] == []
    assert [name for name in names if ".venv" in name.split("/")] == []
    assert [name for name in names if name.endswith("conftest.py")] == []
    with zipfile.ZipFile(zips[stack]) as archive:
        entries = archive.infolist()
    # Lambda runs the code as a user that owns none of it: everything must be world-readable.
    assert {entry.external_attr >> 16 for entry in entries} == {0o100644}
    assert sum(entry.file_size for entry in entries) < LAMBDA_UNZIPPED_LIMIT


LAMBDA_PYTHON_VERSION = "3.12"
# Run by Lambda's Python over a zip: each module's bytecode, as that interpreter would judge it (PEP 552).
_JUDGE_BYTECODE = """
import importlib.util, json, sys, zipfile
archive = zipfile.ZipFile(sys.argv[1])
names = set(archive.namelist())
verdicts = {}
for name in sorted(names):
    if not name.endswith(".py"):
        continue
    folder, _, module = name.rpartition("/")
    cached = (folder + "/" if folder else "") + importlib.util.cache_from_source(module)
    if cached not in names:
        verdicts[name] = "no bytecode"
        continue
    data = archive.read(cached)
    flags = int.from_bytes(data[4:8], "little")
    if data[:4] != importlib.util.MAGIC_NUMBER:
        verdicts[name] = "another Python's magic number"
    elif flags != 0b01:
        verdicts[name] = f"flags {flags:#b}, not unchecked-hash"
    elif data[8:16] != importlib.util.source_hash(archive.read(name)):
        verdicts[name] = "compiled from other source"
print(json.dumps(verdicts))
"""


@pytest.fixture(scope="module")
def lambda_python() -> str:
    return find_python(LAMBDA_PYTHON_VERSION)


@pytest.mark.parametrize("stack", SERVICES)
def test_every_module_ships_bytecode_that_lambdas_python_loads_without_checking_its_source(
    stack: str, zips: dict[str, Path], contents: dict[str, dict[str, bytes]], lambda_python: str
) -> None:
    """/var/task is read-only: a module without usable bytecode is compiled again at every cold start."""
    judged = subprocess.run(
        [lambda_python, "-c", _JUDGE_BYTECODE, str(zips[stack])], capture_output=True, text=True, check=True
    )
    cached = [name for name in contents[stack] if name.endswith(".pyc")]

    assert json.loads(judged.stdout) == {}
    assert all(name.endswith(f".cpython-{LAMBDA_PYTHON_VERSION.replace('.', '')}.pyc") for name in cached)
    assert len(cached) == len([name for name in contents[stack] if name.endswith(".py")])


def test_shipped_bytecode_is_what_runs(
    contents: dict[str, dict[str, bytes]], lambda_python: str, tmp_path: Path
) -> None:
    """Unchecked-hash bytecode runs even when its source changed, which proves nothing recompiles it."""
    module = "conveyor_api/clock.py"
    cached = "conveyor_api/__pycache__/clock.cpython-312.pyc"
    for name in ("conveyor_api/__init__.py", module, cached):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(contents["api"][name])
    (tmp_path / module).write_text("raise SystemExit('the source ran, not the bytecode')\n", encoding="utf-8")

    ran = subprocess.run(
        [lambda_python, "-B", "-c", "import conveyor_api.clock as clock; print(clock.utc_now().tzname())"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )

    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "UTC"


def test_building_again_gives_the_same_bytes(zips: dict[str, Path], tmp_path: Path) -> None:
    """`sam deploy` names an upload by its MD5: an unchanged build must not look like new code."""
    again = _make_package(tmp_path)

    for stack, path in zips.items():
        assert again[stack].read_bytes() == path.read_bytes(), stack
