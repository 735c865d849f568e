/**
 * The two rows show series of one study: where both are volumes in the same patient space
 * (frame of reference), each view follows the view of the same orientation in the other row.
 * Scrolling, a crosshairs click, zoom or pan in the T1c shows the same place in the FLAIR.
 */
import { cache, type RenderingEngine } from '@cornerstonejs/core';
import { SynchronizerManager, synchronizers } from '@cornerstonejs/tools';
import type { SeriesPane } from './pane';

const ORIENTATIONS = ['axial', 'coronal', 'sagittal'] as const;

function frameOfReference(pane: SeriesPane): string | undefined {
  if (pane.mode !== 'volume') return undefined;
  return cache.getVolume(pane.volumeId)?.metadata?.FrameOfReferenceUID || undefined;
}

/** Links the rows' views, or unlinks them where the rows no longer share a space. */
export function linkRows(engine: RenderingEngine, top: SeriesPane, bottom: SeriesPane): boolean {
  const space = frameOfReference(top);
  const linked = space !== undefined && space === frameOfReference(bottom);
  for (const orientation of ORIENTATIONS) {
    const id = `rows-${orientation}`;
    SynchronizerManager.destroySynchronizer(id);
    if (!linked) continue;
    const leader = engine.getViewport(`top-${orientation}`);
    const follower = engine.getViewport(`bottom-${orientation}`);
    if (!leader || !follower) continue;
    // The rows start where the top row is, then stay together.
    follower.setCamera(leader.getCamera());
    const sync = synchronizers.createCameraPositionSynchronizer(id);
    for (const viewport of [leader, follower]) sync.add({ renderingEngineId: engine.id, viewportId: viewport.id });
  }
  engine.render();
  return linked;
}
