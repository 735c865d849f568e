/** The site's DICOMweb service, reached with the page's session cookie (same origin). */
import { numberValue, stringValue, Tag, type DicomJsonObject } from './dicomJson';

export interface SeriesSummary {
  seriesInstanceUID: string;
  seriesNumber: number | undefined;
  modality: string;
  description: string;
  instanceCount: number | undefined;
}

export class DicomWebError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'DicomWebError';
  }
}

export class DicomWebClient {
  /** root: the service's absolute URL without a trailing slash, e.g. https://site/dicomweb */
  constructor(readonly root: string) {}

  async searchSeries(studyUID: string): Promise<SeriesSummary[]> {
    const found = await this.getJson(`/studies/${studyUID}/series`);
    return found
      .map((series) => ({
        seriesInstanceUID: stringValue(series, Tag.SeriesInstanceUID),
        seriesNumber: numberValue(series, Tag.SeriesNumber),
        modality: stringValue(series, Tag.Modality),
        description: stringValue(series, Tag.SeriesDescription),
        instanceCount: numberValue(series, Tag.NumberOfSeriesRelatedInstances),
      }))
      .sort((a, b) => (a.seriesNumber ?? Infinity) - (b.seriesNumber ?? Infinity));
  }

  /** WADO-RS series metadata: one DICOM JSON object per instance, bulk data by reference. */
  seriesMetadata(studyUID: string, seriesUID: string): Promise<DicomJsonObject[]> {
    return this.getJson(`/studies/${studyUID}/series/${seriesUID}/metadata`);
  }

  frameUrl(studyUID: string, seriesUID: string, sopUID: string, frame: number): string {
    return `${this.root}/studies/${studyUID}/series/${seriesUID}/instances/${sopUID}/frames/${frame}`;
  }

  private async getJson(path: string): Promise<DicomJsonObject[]> {
    const response = await fetch(`${this.root}${path}`, {
      credentials: 'same-origin',
      headers: { Accept: 'application/dicom+json' },
    });
    if (response.status === 204) return [];
    if (!response.ok) {
      throw new DicomWebError(`DICOMweb ${path} answered HTTP ${response.status}`, response.status);
    }
    const body: unknown = await response.json();
    if (!Array.isArray(body)) {
      throw new DicomWebError(`DICOMweb ${path} did not answer a JSON array`, response.status);
    }
    return body as DicomJsonObject[];
  }
}
