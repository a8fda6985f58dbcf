"""The exception family: one base, each class also a builtin, tree documented in one place."""

from __future__ import annotations

import inspect

import pytest

import azfunc
from azfunc import _errors

BUILTIN_OF = {
    "ArgumentTypeError": TypeError,
    "ArgumentValueError": ValueError,
    "ConfigurationError": ValueError,
    "StorageError": OSError,
    "LeaseLostError": OSError,
    "ConversionError": ValueError,
    "WireFormatError": ValueError,
    "ForwardingRequiredError": ValueError,
    "PayloadValidationError": ValueError,
    "BodyDecodeError": ValueError,
    "RequestError": ValueError,
    "LimitExceededError": ValueError,
    "IncompleteBodyError": ValueError,
    "HeaderError": ValueError,
    "AnnotationError": TypeError,
    "FunctionLoadError": ValueError,
    "BindingNotFoundError": LookupError,
    "FunctionNotFoundError": LookupError,
    "ListenError": OSError,
    "AppStartupError": RuntimeError,
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


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (azfunc.RequestError("bad form"), 400),
        (azfunc.LimitExceededError("big", limit="max_body", value=1), 413),
        (azfunc.WireFormatError("bad TypedData"), 400),
        (azfunc.ConversionError("cannot convert"), None),
        (azfunc.StorageError("disk full"), None),
        (azfunc.FunctionLoadError("x", http_status=503), 503),
    ],
)
def test_errors_say_which_status_a_server_answers(
    error: azfunc.AzFuncError, status: int | None
) -> None:
    assert error.http_status == status


def test_errors_name_the_function_and_binding() -> None:
    error = azfunc.ConversionError("no", function="Orders", binding="msg")
    assert (error.function, error.binding) == ("Orders", "msg")
    assert azfunc.AzFuncError("plain").function is None


@pytest.mark.parametrize(
    "error",
    [
        azfunc.LimitExceededError("big", limit="max_parts", value=7, function="f"),
        azfunc.StorageError("disk full", function="f", binding="out"),
        azfunc.ConversionError("no", binding="msg"),
    ],
)
def test_errors_keep_their_fields_through_pickle(error: azfunc.AzFuncError) -> None:
    import pickle

    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert copy.__dict__ == error.__dict__
