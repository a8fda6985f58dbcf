"""The exception family: one base, each class also a builtin, tree documented in one place."""

from __future__ import annotations

import inspect

import pytest

import azfunc
from azfunc import _errors

BUILTIN_OF = {
    "ConversionError": ValueError,
    "WireFormatError": ValueError,
    "BodyDecodeError": ValueError,
    "RequestError": ValueError,
    "LimitExceededError": ValueError,
    "HeaderError": ValueError,
    "AnnotationError": TypeError,
    "FunctionLoadError": ValueError,
    "BindingNotFoundError": LookupError,
    "FunctionNotFoundError": LookupError,
}


@pytest.mark.parametrize(("name", "builtin"), sorted(BUILTIN_OF.items()))
def test_each_error_is_ours_and_the_builtin(name: str, builtin: type[Exception]) -> None:
    cls = getattr(azfunc, name)
    assert issubclass(cls, azfunc.AzFuncError)
    assert issubclass(cls, builtin)


def test_every_error_class_is_exported_and_in_the_documented_tree() -> None:
    classes = {
        name for name, obj in vars(_errors).items()
        if inspect.isclass(obj) and issubclass(obj, Exception)
    }
    assert classes == {*BUILTIN_OF, "AzFuncError"}
    assert classes <= set(azfunc.__all__)
    doc = _errors.__doc__ or ""
    for name in classes:
        assert name in doc, f"{name} missing from the tree in azfunc/_errors.py"


def test_limit_error_carries_the_limit() -> None:
    error = azfunc.LimitExceededError("too many parts", limit="max_parts", value=1000)
    assert (error.limit, error.value) == ("max_parts", 1000)
    assert isinstance(error, azfunc.RequestError)
