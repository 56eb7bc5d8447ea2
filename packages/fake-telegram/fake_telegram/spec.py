"""The Bot API specification as data, and checking requests against it.

``api.json`` (Bot API 10.1, scraped from Telegram's documentation by the MIT-licensed
project PaulSonOfLars/telegram-bot-api-spec, see ``LICENSE-api-spec``) lists every method
and type with its fields, their types and whether each is required.  This module

* decodes a request's form fields by their spec types (form data carries every value as
  a string: integers as digits, booleans as ``true``/``false``, objects and arrays as
  JSON),
* reports every way a request departs from the spec (unknown method, missing required
  field, unknown field, wrong type, nested objects included),
* synthesises placeholder objects of any spec type, so that methods the fake does not
  model still answer something aiogram can parse.

aiogram 3.31 targets Bot API 10.3, newer than the file: a field or method that aiogram's
own models define but the file lacks is a gap of the file, not a bot error, so it is
allowed (see :class:`AiogramModels`).
"""

from __future__ import annotations

import functools
import inspect
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SPEC_FILE = Path(__file__).with_name("api.json")

#: Spec type names that are not objects.
PRIMITIVES = frozenset({"Integer", "Float", "Boolean", "True", "String", "InputFile"})

#: Spec object types that aiogram also sends as a bare string, and Telegram accepts
#: (poll options were plain strings before Bot API 7.3; aiogram still allows them).
STRING_ACCEPTED = frozenset({"InputPollOption"})

_ARRAY_PREFIX = "Array of "
_INTEGER_RE = re.compile(r"-?\d+")
# 'always "user"', 'can be either "private", ...', 'must be web_app': the first word
# named as a value is a valid one.
_FIXED_VALUE_RE = re.compile(
    r'(?:always|can be|one of|either|must be)[^"]*"([\w-]+)"|must be ([a-z_]+)$'
)


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field of a method or a type."""

    name: str
    types: tuple[str, ...]
    required: bool
    description: str = ""


@dataclass(frozen=True, slots=True)
class MethodSpec:
    """One Bot API method.

    ``from_aiogram`` marks a method aiogram knows but the spec file lacks: its fields'
    names come from aiogram's model and their types are unknown (``types == ()``).
    """

    name: str
    fields: Mapping[str, FieldSpec]
    returns: tuple[str, ...]
    from_aiogram: bool = False


@dataclass(frozen=True, slots=True)
class TypeSpec:
    """One Bot API type: either an object with fields or a union of subtypes."""

    name: str
    fields: Mapping[str, FieldSpec]
    subtypes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """A file part of a multipart request."""

    name: str  # the form field of the part
    filename: str | None
    content_type: str | None
    data: bytes = field(repr=False)

    def __repr__(self) -> str:
        return f"UploadedFile({self.filename!r}, {len(self.data)} bytes)"


@dataclass(slots=True)
class DecodedRequest:
    """A request's fields decoded by their spec types, with every spec problem found."""

    params: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    malformed: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)


class AiogramModels:
    """Field names defined by aiogram's own models: the allowance for an older spec file."""

    def __init__(self) -> None:
        # Imported here so that merely importing the spec does not pull in aiogram.
        from aiogram import methods, types

        self._types_module = types
        self._methods: dict[str, type[Any]] = {}
        for _, cls in inspect.getmembers(methods, inspect.isclass):
            api_name = getattr(cls, "__api_method__", None)
            if isinstance(api_name, str) and hasattr(cls, "model_fields"):
                self._methods[api_name.lower()] = cls

    @staticmethod
    def _wire_names(model: type[Any]) -> frozenset[str]:
        # aiogram renames some fields in Python (``from`` -> ``from_user``); the wire name
        # is the alias.
        return frozenset((info.alias or name) for name, info in model.model_fields.items())

    @functools.cache  # noqa: B019 - one instance per process, caching is the point
    def method_fields(self, method: str) -> frozenset[str]:
        """Wire names of the fields of aiogram's model of ``method`` (any case)."""
        cls = self._methods.get(method.lower())
        return self._wire_names(cls) if cls is not None else frozenset()

    @functools.cache  # noqa: B019
    def type_fields(self, type_name: str) -> frozenset[str]:
        """Wire names of the fields of aiogram's model of the Bot API type ``type_name``."""
        cls = getattr(self._types_module, type_name, None)
        if inspect.isclass(cls) and hasattr(cls, "model_fields"):
            return self._wire_names(cls)
        return frozenset()

    @functools.cache  # noqa: B019
    def required_placeholders(self, type_name: str) -> dict[str, Any]:
        """Placeholder values of the required scalar fields of aiogram's model."""
        cls = getattr(self._types_module, type_name, None)
        if not (inspect.isclass(cls) and hasattr(cls, "model_fields")):
            return {}
        defaults: dict[Any, Any] = {bool: False, int: 0, float: 0.0, str: ""}
        return {
            (info.alias or name): defaults[info.annotation]
            for name, info in cls.model_fields.items()
            if info.is_required() and info.annotation in defaults
        }

    def method_spec(self, method: str) -> MethodSpec | None:
        """A stand-in spec for a method only aiogram knows (newer than the spec file)."""
        cls = self._methods.get(method.lower())
        if cls is None:
            return None
        fields = {
            (info.alias or name): FieldSpec(info.alias or name, (), info.is_required())
            for name, info in cls.model_fields.items()
        }
        return MethodSpec(cls.__api_method__, fields, ("Boolean",), from_aiogram=True)


class ApiSpec:
    """The Bot API specification, loaded from ``api.json``."""

    def __init__(self, data: Mapping[str, Any], aiogram: AiogramModels | None = None) -> None:
        self.version: str = str(data.get("version", "unknown"))
        self.methods: dict[str, MethodSpec] = {
            name: MethodSpec(
                name,
                _fields(raw.get("fields", ())),
                tuple(raw.get("returns", ())),
            )
            for name, raw in data["methods"].items()
        }
        self.types: dict[str, TypeSpec] = {
            name: TypeSpec(name, _fields(raw.get("fields", ())), tuple(raw.get("subtypes", ())))
            for name, raw in data["types"].items()
        }
        # Telegram matches method names case-insensitively.
        self._by_lower = {name.lower(): spec for name, spec in self.methods.items()}
        self.aiogram = aiogram if aiogram is not None else AiogramModels()

    @classmethod
    def load(cls, path: Path = SPEC_FILE) -> ApiSpec:
        """Load a spec file (the bundled one by default)."""
        return cls(json.loads(path.read_text(encoding="utf-8")))

    @staticmethod
    @functools.cache
    def bundled() -> ApiSpec:
        """The bundled spec, parsed once per process: many tests create a fake each."""
        return ApiSpec.load()

    # -- lookup ----------------------------------------------------------------------

    def method(self, name: str) -> MethodSpec | None:
        """The method called ``name`` (any case); aiogram-only methods included."""
        spec = self._by_lower.get(name.lower())
        if spec is not None:
            return spec
        return self.aiogram.method_spec(name)

    # -- requests ----------------------------------------------------------------------

    def decode(self, method: MethodSpec, raw: Mapping[str, Any]) -> DecodedRequest:
        """Decode raw request fields by their spec types and list every spec problem.

        ``raw`` maps field names to strings (form data), :class:`UploadedFile` (file
        parts) or already-typed values (a JSON request body).
        """
        result = DecodedRequest()
        allowed_extra = self.aiogram.method_fields(method.name)
        for name, value in raw.items():
            spec = method.fields.get(name)
            if spec is None or not spec.types:
                if spec is None and name not in allowed_extra:
                    result.unknown.append(name)
                    result.problems.append(f"{method.name}: unknown field {name!r}")
                result.params[name] = _loose_decode(value)
                continue
            decoded, problems = self._decode_field(value, spec, f"{method.name}.{name}")
            result.params[name] = decoded
            if problems:
                result.malformed.append(name)
                result.problems.extend(problems)
        for spec in method.fields.values():
            if spec.required and result.params.get(spec.name) in (None, ""):
                result.missing.append(spec.name)
                result.problems.append(f"{method.name}: missing required field {spec.name!r}")
        return result

    def _decode_field(self, value: Any, spec: FieldSpec, path: str) -> tuple[Any, list[str]]:
        if isinstance(value, UploadedFile):
            if "InputFile" in spec.types:
                return value, []
            return value, [f"{path}: a file upload where {_describe(spec.types)} is expected"]
        if not isinstance(value, str):
            # A JSON request body: the value is already typed.
            return value, self.check(value, spec.types, path)
        scalar = _decode_scalar(value, spec.types)
        if scalar is not _NO_VALUE:
            return scalar, []
        if any(not _is_primitive(t) for t in spec.types):
            try:
                parsed = json.loads(value)
            except ValueError:
                pass
            else:
                return parsed, self.check(parsed, spec.types, path)
        return value, [f"{path}: {value[:60]!r} is not {_describe(spec.types)}"]

    # -- values ------------------------------------------------------------------------

    def check(self, value: Any, types: Iterable[str], path: str) -> list[str]:
        """Problems of ``value`` as a value of one of ``types`` (empty when it fits)."""
        types = tuple(types)
        shaped = [t for t in types if self._shape_matches(value, t)]
        if not shaped:
            return [f"{path}: expected {_describe(types)}, got {_json_kind(value)}"]
        best: list[str] | None = None
        for type_name in shaped:
            problems = self._check_shaped(value, type_name, path)
            if not problems:
                return []
            if best is None or len(problems) < len(best):
                best = problems
        return best or []

    def _shape_matches(self, value: Any, type_name: str) -> bool:
        if type_name.startswith(_ARRAY_PREFIX):
            return isinstance(value, list)
        if type_name in {"Boolean", "True"}:
            return isinstance(value, bool)
        if type_name == "Integer":
            return isinstance(value, int) and not isinstance(value, bool)
        if type_name == "Float":
            return isinstance(value, int | float) and not isinstance(value, bool)
        if type_name == "String":
            return isinstance(value, str)
        if type_name == "InputFile":
            return isinstance(value, str | UploadedFile)
        if type_name in STRING_ACCEPTED and isinstance(value, str):
            return True
        spec = self.types.get(type_name)
        if spec is not None and spec.subtypes:
            return any(self._shape_matches(value, sub) for sub in spec.subtypes)
        return isinstance(value, dict)

    def _check_shaped(self, value: Any, type_name: str, path: str) -> list[str]:
        if type_name.startswith(_ARRAY_PREFIX):
            item_type = type_name.removeprefix(_ARRAY_PREFIX)
            problems: list[str] = []
            for index, item in enumerate(value):
                problems.extend(self.check(item, (item_type,), f"{path}[{index}]"))
            return problems
        if type_name == "True":
            return [] if value is True else [f"{path}: must be True"]
        if type_name in PRIMITIVES or isinstance(value, str):
            return []
        spec = self.types.get(type_name)
        if spec is None:
            return []
        if spec.subtypes:
            return self.check(value, spec.subtypes, path)
        return self._check_object(value, spec, path)

    def _check_object(self, value: dict[str, Any], spec: TypeSpec, path: str) -> list[str]:
        problems = [
            f"{path}: missing required field {name!r}"
            for name, field_spec in spec.fields.items()
            if field_spec.required and name not in value
        ]
        allowed_extra = self.aiogram.type_fields(spec.name)
        for name, item in value.items():
            field_spec = spec.fields.get(name)
            if field_spec is None:
                if name not in allowed_extra:
                    problems.append(f"{path}: unknown field {name!r} in {spec.name}")
                continue
            problems.extend(self.check(item, field_spec.types, f"{path}.{name}"))
        return problems

    # -- placeholders ------------------------------------------------------------------

    def synthesize(self, type_name: str, overrides: Mapping[str, Any] | None = None) -> Any:
        """A minimal valid value of ``type_name``: required fields only, placeholder values.

        ``overrides`` replaces or adds top-level fields of an object type.
        """
        value = self._synthesize(type_name, depth=0)
        if overrides and isinstance(value, dict):
            value.update(overrides)
        return value

    def _synthesize(self, type_name: str, depth: int) -> Any:
        if type_name.startswith(_ARRAY_PREFIX):
            return []
        placeholder = {
            "Integer": 0,
            "Float": 0.0,
            "Boolean": False,
            "True": True,
            "String": "",
            "InputFile": "",
        }
        if type_name in placeholder:
            return placeholder[type_name]
        spec = self.types.get(type_name)
        if spec is None or depth > 8:  # recursion guard for cyclic types
            return {}
        if spec.subtypes:
            return self._synthesize(spec.subtypes[0], depth + 1)
        result: dict[str, Any] = {}
        for name, field_spec in spec.fields.items():
            if not field_spec.required:
                continue
            fixed = _FIXED_VALUE_RE.search(field_spec.description)
            if field_spec.types == ("String",) and fixed:
                result[name] = fixed.group(1) or fixed.group(2)
            else:
                result[name] = self._synthesize(field_spec.types[0], depth + 1)
        # Fields aiogram requires but the older spec file lacks.
        for name, value in self.aiogram.required_placeholders(type_name).items():
            result.setdefault(name, value)
        return result


# -- helpers ---------------------------------------------------------------------------


class _NoValue:
    """Marker: a string that does not decode as any scalar type."""


_NO_VALUE = _NoValue()


def _fields(raw_fields: Iterable[Mapping[str, Any]]) -> dict[str, FieldSpec]:
    return {
        raw["name"]: FieldSpec(
            raw["name"],
            tuple(raw.get("types", ())),
            bool(raw.get("required", False)),
            str(raw.get("description", "")),
        )
        for raw in raw_fields
    }


def _is_primitive(type_name: str) -> bool:
    return type_name in PRIMITIVES


def _decode_scalar(text: str, types: tuple[str, ...]) -> Any:
    """The first scalar reading of a form value, in the order the spec lists the types."""
    for type_name in types:
        if type_name == "Integer" and _INTEGER_RE.fullmatch(text.strip()):
            return int(text)
        if type_name == "Float":
            try:
                return float(text)
            except ValueError:
                continue
        if type_name == "Boolean" and text.lower() in {"true", "false", "1", "0"}:
            return text.lower() in {"true", "1"}
        if type_name == "True" and text.lower() in {"true", "1"}:
            return True
        if type_name in {"String", "InputFile"}:
            return text
    return _NO_VALUE


def _loose_decode(value: Any) -> Any:
    """Decode a field whose type is unknown (aiogram-only): JSON if it parses as such."""
    if not isinstance(value, str):
        return value
    if value[:1] in {"[", "{"} or value in {"true", "false"} or _INTEGER_RE.fullmatch(value):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _describe(types: Iterable[str]) -> str:
    return " or ".join(types)


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer"
    if isinstance(value, float):
        return "Float"
    if isinstance(value, str):
        return "String"
    if isinstance(value, list):
        return "Array"
    if isinstance(value, UploadedFile):
        return "InputFile"
    return "Object"
