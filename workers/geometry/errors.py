class GeometryError(ValueError):
    """A series cannot be used as one volume, or two volumes cannot share a grid.

    The message is shown to users as the reason a job failed, so it names the problem in words
    (and numbers in mm) rather than in DICOM tags.
    """


# Enhanced and legacy-converted MR keep a whole series in one object, its geometry and timing in
# functional groups; the volumes, contours and viewer read classic single-frame images.
MULTI_FRAME = (
    "{frames} frames in one enhanced (multi-frame) MR object, which ASSIST does not read yet; "
    "ask the scanner or PACS for classic single-frame MR images"
)
