"""Pulling studies from a remote PACS over DICOMweb into the archive."""
