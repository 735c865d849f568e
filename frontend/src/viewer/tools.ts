/**
 * Tool groups: one per row of volume viewports (crosshairs link the three orientations of one
 * series) and one for stack views. Wheel scrolls, middle drag pans, right drag zooms; the left
 * button does what the toolbar (or its shortcut) chose.
 */
import {
  BrushTool,
  CircleScissorsTool,
  CrosshairsTool,
  Enums as ToolEnums,
  PanTool,
  RectangleScissorsTool,
  StackScrollTool,
  ToolGroupManager,
  utilities as toolUtilities,
  WindowLevelTool,
  ZoomTool,
} from '@cornerstonejs/tools';
import type { Types } from '@cornerstonejs/tools';
import { UndoableFillTool } from './fillTool';

export const RENDERING_ENGINE_ID = 'assist';
export const BRUSH = 'ReviewBrush';
export const ERASER = 'ReviewEraser';

export type PrimaryTool = 'crosshairs' | 'windowLevel' | 'brush' | 'eraser' | 'scissors' | 'circleScissors' | 'fill';
export const EDITING_TOOLS: ReadonlySet<PrimaryTool> = new Set(['brush', 'eraser', 'scissors', 'circleScissors', 'fill']);

const TOOL_NAME: Record<PrimaryTool, string> = {
  crosshairs: CrosshairsTool.toolName,
  windowLevel: WindowLevelTool.toolName,
  brush: BRUSH,
  eraser: ERASER,
  scissors: RectangleScissorsTool.toolName,
  circleScissors: CircleScissorsTool.toolName,
  fill: UndoableFillTool.toolName,
};

const { MouseBindings } = ToolEnums;

export function volumeToolGroup(id: string): Types.IToolGroup {
  const existing = ToolGroupManager.getToolGroup(id);
  if (existing) return existing;
  const group = ToolGroupManager.createToolGroup(id);
  if (!group) throw new Error('Cornerstone tool group could not be created');
  for (const tool of [WindowLevelTool, StackScrollTool, ZoomTool, PanTool, UndoableFillTool, RectangleScissorsTool, CircleScissorsTool]) {
    group.addTool(tool.toolName);
  }
  group.addTool(CrosshairsTool.toolName, {
    // The reference lines stay where the user put them while another tool is in use.
    getReferenceLineColor: (viewportId: string) =>
      viewportId.endsWith('axial') ? 'rgb(190, 110, 255)' : viewportId.endsWith('coronal') ? 'rgb(80, 220, 80)' : 'rgb(90, 150, 255)',
  });
  group.addToolInstance(BRUSH, BrushTool.toolName, { activeStrategy: 'FILL_INSIDE_CIRCLE' });
  group.addToolInstance(ERASER, BrushTool.toolName, { activeStrategy: 'ERASE_INSIDE_CIRCLE' });
  bindNavigation(group);
  return group;
}

export function stackToolGroup(id: string): Types.IToolGroup {
  const existing = ToolGroupManager.getToolGroup(id);
  if (existing) return existing;
  const group = ToolGroupManager.createToolGroup(id);
  if (!group) throw new Error('Cornerstone tool group could not be created');
  for (const tool of [WindowLevelTool, StackScrollTool, ZoomTool, PanTool]) group.addTool(tool.toolName);
  bindNavigation(group);
  group.setToolActive(WindowLevelTool.toolName, { bindings: [{ mouseButton: MouseBindings.Primary }] });
  return group;
}

function bindNavigation(group: Types.IToolGroup): void {
  group.setToolActive(StackScrollTool.toolName, { bindings: [{ mouseButton: MouseBindings.Wheel }] });
  group.setToolActive(ZoomTool.toolName, { bindings: [{ mouseButton: MouseBindings.Secondary }] });
  group.setToolActive(PanTool.toolName, { bindings: [{ mouseButton: MouseBindings.Auxiliary }] });
}

/** Puts `tool` on the left button of a volume group; crosshairs stay drawn when not chosen. */
export function choosePrimary(group: Types.IToolGroup, tool: PrimaryTool): void {
  for (const [key, name] of Object.entries(TOOL_NAME) as [PrimaryTool, string][]) {
    if (key === tool) continue;
    if (key === 'crosshairs') {
      group.setToolEnabled(name);
    } else {
      group.setToolDisabled(name);
    }
  }
  group.setToolActive(TOOL_NAME[tool], { bindings: [{ mouseButton: MouseBindings.Primary }] });
}

export function setBrushSize(groupIds: string[], size: number): void {
  for (const id of groupIds) {
    if (!ToolGroupManager.getToolGroup(id)) continue;
    toolUtilities.segmentation.setBrushSizeForToolGroup(id, size, BRUSH);
    toolUtilities.segmentation.setBrushSizeForToolGroup(id, size, ERASER);
  }
}
