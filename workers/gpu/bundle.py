"""A MONAI bundle on disk, loaded offline: configs through ConfigParser, weights as data only."""

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from monai.bundle import ConfigParser

from workers.gpu.errors import PermanentError

METADATA = Path("configs/metadata.json")
INFERENCE = Path("configs/inference.json")
WEIGHTS = Path("models/model.pt")


@dataclass(frozen=True)
class Bundle:
    root: Path
    metadata: dict[str, Any]
    network: torch.nn.Module  # in eval mode, float32, on the CPU
    preprocessing: Callable[[Any], Any]  # (channels, ...) array -> array or tensor
    inferer: Any  # monai.inferers.Inferer: inferer(inputs=..., network=...)
    postprocessing: Callable[[torch.Tensor], torch.Tensor]
    channels: tuple[str, ...]
    outputs: tuple[str, ...]
    spacing_mm: tuple[float, float, float]
    threshold: float

    @property
    def name(self) -> str:
        return str(self.metadata.get("name", self.root.name))

    @property
    def version(self) -> str:
        return str(self.metadata.get("version", "0"))


def bundle_parser(root: Path) -> ConfigParser:
    parser = ConfigParser()
    parser.read_config(str(root / INFERENCE))
    parser.read_meta(str(root / METADATA))
    return parser


def bundle_load(root: Path) -> Bundle:
    """Load ``root`` without any network access; a malformed bundle is a PermanentError."""
    root = Path(root)
    for part in (METADATA, INFERENCE, WEIGHTS):
        if not (root / part).is_file():
            raise PermanentError(f"The model bundle has no {part}.")
    try:
        parser = bundle_parser(root)
        network = parser.get_parsed_content("network_def")
        # weights_only: a bundle uploaded by a site admin is data, never code to unpickle.
        state = torch.load(root / WEIGHTS, map_location="cpu", weights_only=True)
        network.load_state_dict(state)  # copies float16 weights into float32 parameters
        network.float().eval()
        spacing = tuple(float(v) for v in parser["spacing_mm"])
        return Bundle(
            root=root,
            metadata=json.loads((root / METADATA).read_text()),
            network=network,
            preprocessing=parser.get_parsed_content("preprocessing"),
            inferer=parser.get_parsed_content("inferer"),
            postprocessing=parser.get_parsed_content("postprocessing"),
            channels=tuple(parser["channels"]),
            outputs=tuple(parser["outputs"]),
            spacing_mm=(spacing[0], spacing[1], spacing[2]),
            threshold=float(parser["threshold"]),
        )
    except (KeyError, ValueError, RuntimeError, json.JSONDecodeError) as error:
        raise PermanentError(f"The model bundle could not be loaded: {error}") from error
