"""Domain models (with Meta), read views and write DTOs."""

from dynamodb_wrapper.models.domain_models import *  # noqa: F403
from dynamodb_wrapper.models.domain_models import (
    PipelineConfig,
    PipelineRunLog,
    TableConfig,
)
from dynamodb_wrapper.models.domain_models import __all__ as _domain_all
from dynamodb_wrapper.models.dtos import *  # noqa: F403
from dynamodb_wrapper.models.dtos import __all__ as _dto_all
from dynamodb_wrapper.models.views import *  # noqa: F403
from dynamodb_wrapper.models.views import __all__ as _view_all

#: The library's table models, provisioned by ``ensure_tables(config)``.
DOMAIN_MODELS = (PipelineConfig, TableConfig, PipelineRunLog)

__all__ = ["DOMAIN_MODELS", *_domain_all, *_dto_all, *_view_all]
