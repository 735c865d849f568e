"""What sequence identification reads from one representative image of a series.

The same attributes from a pydicom dataset (the gpu worker) or from DICOM JSON (the archive
index, WADO-RS metadata), normalised: texts stripped, multi-valued codes upper case, numbers
that are missing, unreadable or not finite as None.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydicom.datadict import tag_for_keyword
from pydicom.dataset import Dataset


@dataclass(frozen=True)
class SeriesAttributes:
    """What identification reads from one representative image of a series."""

    series_instance_uid: str
    modality: str = "MR"
    description: str = ""
    protocol_name: str = ""
    series_number: int | None = None
    image_type: tuple[str, ...] = ()
    scanning_sequence: tuple[str, ...] = ()
    sequence_variant: tuple[str, ...] = ()
    acquisition_type: str = ""  # MRAcquisitionType: 2D or 3D
    repetition_time: float | None = None
    echo_time: float | None = None
    inversion_time: float | None = None
    contrast_agent: str = ""
    contrast_volume: float | None = None
    num_images: int = 1
    frames: int = 1  # NumberOfFrames of the image read: above 1, an enhanced (multi-frame) MR

    @classmethod
    def from_dataset(cls, ds: Dataset, *, num_images: int = 1) -> "SeriesAttributes":
        return cls._build(lambda keyword: _values(ds.get(keyword)), num_images)

    @classmethod
    def from_dicom_json(cls, body: Mapping[str, Any], *, num_images: int = 1) -> "SeriesAttributes":
        """From DICOM JSON (PS3.18 F.2) as the archive index and WADO-RS metadata hold it."""

        def read(keyword: str) -> list[Any]:
            element = body.get(f"{tag_for_keyword(keyword):08X}") or {}
            return list(element.get("Value") or [])

        return cls._build(read, num_images)

    @classmethod
    def _build(cls, read: Any, num_images: int) -> "SeriesAttributes":
        def text(keyword: str) -> str:
            values = read(keyword)
            return str(values[0]).strip() if values else ""

        def texts(keyword: str) -> tuple[str, ...]:
            return tuple(str(v).strip().upper() for v in read(keyword) if str(v).strip())

        def number(keyword: str) -> float | None:
            values = read(keyword)
            try:
                value = float(values[0]) if values and values[0] not in (None, "") else None
            except (TypeError, ValueError):
                return None
            return value if value is not None and math.isfinite(value) else None  # not NaN

        series_number = number("SeriesNumber")
        return cls(
            series_instance_uid=text("SeriesInstanceUID"),
            modality=text("Modality").upper(),
            description=text("SeriesDescription"),
            protocol_name=text("ProtocolName"),
            series_number=int(series_number) if series_number is not None else None,
            image_type=texts("ImageType"),
            scanning_sequence=texts("ScanningSequence"),
            sequence_variant=texts("SequenceVariant"),
            acquisition_type=text("MRAcquisitionType").upper(),
            repetition_time=number("RepetitionTime"),
            echo_time=number("EchoTime"),
            inversion_time=number("InversionTime"),
            contrast_agent=text("ContrastBolusAgent"),
            contrast_volume=number("ContrastBolusVolume"),
            num_images=num_images,
            frames=int(number("NumberOfFrames") or 1),
        )

    @property
    def name(self) -> str:
        return self.description or self.protocol_name


def _values(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str | bytes | int | float):
        return [value]
    try:
        return list(value)
    except TypeError:
        return [value]
