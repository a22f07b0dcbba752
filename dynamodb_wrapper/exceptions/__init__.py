"""Every error class of ``dynamodb_wrapper`` (see :mod:`dynamodb_wrapper.exceptions.base`)."""

from dynamodb_wrapper.exceptions.base import *  # noqa: F403
from dynamodb_wrapper.exceptions.base import __all__ as _base_all
from dynamodb_wrapper.exceptions.domain_exceptions import *  # noqa: F403
from dynamodb_wrapper.exceptions.domain_exceptions import __all__ as _domain_all

__all__ = [*_base_all, *_domain_all]
