/**
 * A small window hook for automated checks (and the browser console): what the viewer shows,
 * when it was drawn, the stored pixel values Cornerstone decoded, and the structures' voxels.
 */
import { imageLoader } from '@cornerstonejs/core';

export interface ReviewHook {
  labelmapLoaded: boolean;
  revisionId: number | null;
  structureNames(): string[];
  voxelCount(name: string): number;
  /** The structure as the API's runs (instances order). */
  runs(name: string): number[];
  /** Paints a disc of `radius` voxels into `name` on the reference grid's slice k (an API test aid). */
  paintDisc(name: string, slice: number, row: number, column: number, radius: number): void;
  canUndo(): boolean;
  dirty(): boolean;
}

export interface AssistViewerHook {
  readonly ready: true;
  /** The top row's series, in the volume's slice order. */
  readonly imageIds: readonly string[];
  readonly seriesUID: string;
  readonly bottomSeriesUID: string;
  /** performance.now() of the first image drawn and of every series shown fully loaded. */
  readonly timings: { firstImage: number | undefined; allLoaded: number | undefined; marks: Record<string, number> };
  /** Main-thread tasks over 50 ms since the page started (ms from navigation start). */
  readonly longTasks: readonly { start: number; duration: number }[];
  getPixels(index: number): Promise<number[]>;
  /** Each view's slice ("Axial 12 / 44") and camera focal point, for checks of navigation. */
  views(): { id: string; slice: string; focalPoint: number[] }[];
  /** Whether the bottom row's views follow the top row's (same frame of reference). */
  rowsLinked(): boolean;
  review: ReviewHook | null;
}

declare global {
  interface Window {
    assistViewer?: AssistViewerHook;
  }
}

export function publishViewerHook(state: {
  imageIds: readonly string[];
  seriesUID: string;
  bottomSeriesUID: string;
  timings: { firstImage: number | undefined; allLoaded: number | undefined; marks: Record<string, number> };
  longTasks: readonly { start: number; duration: number }[];
  review: ReviewHook | null;
  views: () => { id: string; slice: string; focalPoint: number[] }[];
  rowsLinked: () => boolean;
}): void {
  const ids = Object.freeze([...state.imageIds]);
  window.assistViewer = {
    ready: true as const,
    imageIds: ids,
    seriesUID: state.seriesUID,
    bottomSeriesUID: state.bottomSeriesUID,
    timings: state.timings,
    longTasks: state.longTasks,
    review: state.review,
    views: state.views,
    rowsLinked: state.rowsLinked,
    async getPixels(index: number): Promise<number[]> {
      const imageId = ids[index];
      if (imageId === undefined) throw new RangeError(`No image at index ${index}`);
      const image = await imageLoader.loadAndCacheImage(imageId);
      return Array.from(image.getPixelData());
    },
  };
  document.body.dataset.viewerReady = '1';
}
