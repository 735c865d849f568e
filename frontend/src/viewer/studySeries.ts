/**
 * A study's series as the viewer needs them: metadata fetched once per series, image IDs in
 * spatial order, and Cornerstone streaming volumes created on demand.
 */
import { cache, Enums, eventTarget, type Types, volumeLoader } from '@cornerstonejs/core';
import type { DicomWebClient, SeriesSummary } from './dicomweb';
import { isVolume, registerSeries } from './series';

export interface LoadedSeries {
  summary: SeriesSummary;
  imageIds: string[];
  /** false: shown as a stack (one image, repeated positions, mixed sizes) */
  volume: boolean;
}

export const volumeIdOf = (seriesUID: string): string => `cornerstoneStreamingImageVolume:${seriesUID}`;

type StreamingVolume = Types.IImageVolume & {
  load?: (callback: () => void) => void;
  loadStatus?: { loaded?: boolean };
};

export class StudySeries {
  all: SeriesSummary[] = [];
  private readonly loaded = new Map<string, Promise<LoadedSeries>>();

  constructor(
    private readonly client: DicomWebClient,
    private readonly studyUID: string,
    private readonly onMetadata: (summary: SeriesSummary) => void = () => undefined,
  ) {}

  async list(): Promise<SeriesSummary[]> {
    this.all = await this.client.searchSeries(this.studyUID);
    return this.all;
  }

  load(seriesUID: string): Promise<LoadedSeries> {
    let found = this.loaded.get(seriesUID);
    if (!found) {
      const summary = this.all.find((s) => s.seriesInstanceUID === seriesUID);
      found = (async () => {
        if (!summary) throw new Error(`Series ${seriesUID} is not in this study.`);
        const instances = await this.client.seriesMetadata(this.studyUID, seriesUID);
        this.onMetadata(summary);
        const imageIds = registerSeries(this.client, this.studyUID, seriesUID, instances);
        return { summary, imageIds, volume: isVolume(instances) };
      })();
      this.loaded.set(seriesUID, found);
      found.catch(() => this.loaded.delete(seriesUID)); // a later click tries again
    }
    return found;
  }

  /** The series' volume (its metadata only, at first); its slices start streaming in. */
  async volume(seriesUID: string): Promise<Types.IImageVolume> {
    const volumeId = volumeIdOf(seriesUID);
    const cached = cache.getVolume(volumeId);
    if (cached) return cached;
    const { imageIds } = await this.load(seriesUID);
    const volume = (await volumeLoader.createAndCacheVolume(volumeId, { imageIds })) as StreamingVolume;
    volume.load?.(() => undefined);
    return volume;
  }

  /** Resolves when every slice of the series' volume is in. */
  volumeLoaded(seriesUID: string): Promise<void> {
    const volumeId = volumeIdOf(seriesUID);
    const volume = cache.getVolume(volumeId) as StreamingVolume | undefined;
    if (volume?.loadStatus?.loaded) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (event: Event): void => {
        if ((event as CustomEvent<{ volumeId: string }>).detail.volumeId !== volumeId) return;
        eventTarget.removeEventListener(Enums.Events.IMAGE_VOLUME_LOADING_COMPLETED, done);
        resolve();
      };
      eventTarget.addEventListener(Enums.Events.IMAGE_VOLUME_LOADING_COMPLETED, done);
    });
  }
}
