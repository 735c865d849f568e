from tests.inference.conftest import (  # noqa: F401 - fixtures are found by name
    active_model,
    mr_study,
    phantom_files,
)
