"""DICOM Segmentation (binary, one segment per structure) through highdicom."""

from collections.abc import Mapping, Sequence

import highdicom as hd
import numpy as np
from pydicom import Dataset
from pydicom.sr.codedict import codes
from pydicom.uid import generate_uid

from workers.dicom_out.reference import reference_sort
from workers.dicom_out.structures import Algorithm, StructureSpec, structure_specs

MANUFACTURER = "ASSIST"


def seg_write(
    *,
    reference: Sequence[Dataset],
    masks: Mapping[str, np.ndarray],
    algorithm: Algorithm,
    series_description: str = "ASSIST AI segmentation",
    series_number: int = 901,
    structures: dict[str, StructureSpec] | None = None,
    series_instance_uid: str | None = None,
    sop_instance_uid: str | None = None,
) -> Dataset:
    """A SEG instance with one binary segment per mask, in the order of ``masks``.

    Segment numbers are 1, 2, ... in that order. The result is a ``highdicom`` Segmentation
    (a pydicom Dataset with file meta), ready for ``dcmwrite`` or STOW-RS.
    """
    series = reference_sort(reference, masks)
    names = list(masks)
    specs = structure_specs(names, structures)
    identification = hd.AlgorithmIdentificationSequence(
        name=algorithm.name,
        family=codes.cid7162.ArtificialIntelligence,
        version=algorithm.version,
    )
    descriptions = [
        hd.seg.SegmentDescription(
            segment_number=number,
            segment_label=spec.name,
            segmented_property_category=spec.category,
            segmented_property_type=spec.type,
            algorithm_type=hd.seg.SegmentAlgorithmTypeValues.AUTOMATIC,
            algorithm_identification=identification,
            display_color=hd.color.CIELabColor.from_rgb(*spec.colour),
        )
        for number, spec in enumerate(specs, start=1)
    ]
    # (slices, rows, columns, segments), slices in the same order as the source images. Built
    # segment-major and viewed segments-last: highdicom sums over the segments to test for
    # overlap, which on contiguous whole planes is one vector add per segment instead of a
    # reduction of 5-element rows (0.15 s of CPU on a 1 mm grid).
    stacked = np.stack([np.asarray(masks[name], dtype=bool) for name in names]).transpose(
        1, 2, 3, 0)
    return hd.seg.Segmentation(
        source_images=list(series.datasets),
        pixel_array=stacked,
        segmentation_type=hd.seg.SegmentationTypeValues.BINARY,
        segment_descriptions=descriptions,
        series_instance_uid=series_instance_uid or generate_uid(),
        series_number=series_number,
        sop_instance_uid=sop_instance_uid or generate_uid(),
        instance_number=1,
        manufacturer=MANUFACTURER,
        manufacturer_model_name=algorithm.name,
        software_versions=algorithm.version,
        device_serial_number="0",
        series_description=series_description,
        content_label="ASSIST",
        content_description=f"{algorithm.name} {algorithm.version}"[:64],
        # Frames where a structure is absent carry no information; omitting them keeps a
        # 150-slice study with a small GTV small.
        omit_empty_frames=True,
    )
