class GeometryError(ValueError):
    """A series cannot be used as one volume, or two volumes cannot share a grid.

    The message is shown to users as the reason a job failed, so it names the problem in words
    (and numbers in mm) rather than in DICOM tags.
    """
