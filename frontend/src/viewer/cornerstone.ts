/** One-time set-up of Cornerstone3D: rendering core, DICOM image loader (workers), tools. */
import { init as coreInit } from '@cornerstonejs/core';
import { init as loaderInit } from '@cornerstonejs/dicom-image-loader';
import {
  addTool,
  BrushTool,
  CircleScissorsTool,
  CrosshairsTool,
  init as toolsInit,
  PanTool,
  RectangleScissorsTool,
  StackScrollTool,
  WindowLevelTool,
  ZoomTool,
} from '@cornerstonejs/tools';
import { UndoableFillTool } from './fillTool';

let initialised = false;

export function initCornerstone(): void {
  if (initialised) return;
  // Without WebGL (a locked-down workstation) core falls back to CPU rendering by itself.
  coreInit();
  loaderInit({
    // Decoding is CPU work in web workers; leave cores for the page and the browser.
    maxWebWorkers: Math.max(1, Math.min(4, Math.floor((navigator.hardwareConcurrency || 2) / 2))),
  });
  toolsInit();
  for (const tool of [
    WindowLevelTool,
    StackScrollTool,
    PanTool,
    ZoomTool,
    CrosshairsTool,
    BrushTool,
    UndoableFillTool,
    RectangleScissorsTool,
    CircleScissorsTool,
  ]) {
    addTool(tool);
  }
  initialised = true;
}
