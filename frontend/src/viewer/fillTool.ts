/**
 * Cornerstone's paint fill, made undoable. PaintFillTool (tools 5.14) writes the flooded voxels
 * straight into the labelmap and records no history step, so Undo passed over a fill and took
 * back the edit before it instead. This fill notes the voxels the flood changed and pushes them
 * as one step.
 */
import { cache, getEnabledElement, utilities as csUtilities, type Types } from '@cornerstonejs/core';
import { PaintFillTool, segmentation } from '@cornerstonejs/tools';
import type { Types as ToolTypes } from '@cornerstonejs/tools';

interface Target {
  segmentationId: string;
  volume: Types.IImageVolume;
}

export class UndoableFillTool extends PaintFillTool {
  static override toolName = 'ReviewFill';

  constructor(toolProps?: ToolTypes.PublicToolProps, defaultToolProps?: ToolTypes.ToolProps) {
    super(toolProps, defaultToolProps);
    const fill = this.preMouseDownCallback;
    this.preMouseDownCallback = (evt) => {
      const target = activeLabelmap(evt.detail.element);
      const current = target ? scalarsOf(target.volume) : undefined;
      // A copy: the fill writes into the array the voxel manager may hand out.
      const before = current ? Float32Array.from(current) : undefined;
      const filled = fill(evt);
      if (target && before) recordChanges(target, before);
      return filled;
    };
  }
}

/** The labelmap volume the fill writes: the active segmentation of the clicked view. */
function activeLabelmap(element: HTMLDivElement): Target | null {
  const viewport = getEnabledElement(element)?.viewport;
  if (!viewport) return null;
  const active = segmentation.activeSegmentation.getActiveSegmentation(viewport.id);
  const volumeId = active?.representationData.Labelmap?.volumeId;
  const volume = volumeId ? cache.getVolume(volumeId) : undefined;
  return active && volume ? { segmentationId: active.segmentationId, volume } : null;
}

function scalarsOf(volume: Types.IImageVolume): ArrayLike<number> | undefined {
  return volume.voxelManager?.getCompleteScalarDataArray?.();
}

function recordChanges({ segmentationId, volume }: Target, before: ArrayLike<number>): void {
  const voxels = volume.voxelManager;
  if (!voxels) return;
  const after = scalarsOf(volume);
  if (!after) return;
  const changed: number[] = [];
  for (let i = 0; i < after.length; i += 1) {
    if (after[i] !== before[i]) changed.push(i);
  }
  if (changed.length === 0) return;
  const was = changed.map((i) => before[i]!);
  const now = changed.map((i) => after[i]!);
  csUtilities.HistoryMemo.DefaultHistoryMemo.push({
    id: `fill-${csUtilities.uuidv4()}`,
    operationType: 'labelmap',
    restoreMemo: (undo?: boolean) => {
      const values = undo === false ? now : was;
      changed.forEach((index, n) => voxels.setAtIndex(index, values[n]!));
      segmentation.triggerSegmentationEvents.triggerSegmentationDataModified(segmentationId);
    },
  });
}
