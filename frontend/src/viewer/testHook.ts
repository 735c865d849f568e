/**
 * A small read-only window hook for automated checks (and the browser console): which images
 * the viewer shows and the stored pixel values Cornerstone decoded for each of them.
 */
import { imageLoader } from '@cornerstonejs/core';

export interface AssistViewerHook {
  readonly ready: true;
  readonly imageIds: readonly string[];
  getPixels(index: number): Promise<number[]>;
}

declare global {
  interface Window {
    assistViewer?: AssistViewerHook;
  }
}

export function publishViewerHook(imageIds: readonly string[]): void {
  const ids = Object.freeze([...imageIds]);
  window.assistViewer = Object.freeze({
    ready: true as const,
    imageIds: ids,
    async getPixels(index: number): Promise<number[]> {
      const imageId = ids[index];
      if (imageId === undefined) throw new RangeError(`No image at index ${index}`);
      const image = await imageLoader.loadAndCacheImage(imageId);
      return Array.from(image.getPixelData());
    },
  });
  document.body.dataset.viewerReady = '1';
}
