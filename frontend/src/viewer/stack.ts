/** One StackViewport with the reading tools bound, and the text overlay over it. */
import { Enums, RenderingEngine, type StackViewport, type Types } from '@cornerstonejs/core';
import {
  Enums as ToolEnums,
  PanTool,
  StackScrollTool,
  ToolGroupManager,
  WindowLevelTool,
  utilities as toolUtilities,
  ZoomTool,
} from '@cornerstonejs/tools';

const RENDERING_ENGINE_ID = 'assist';
const VIEWPORT_ID = 'stack';
const TOOL_GROUP_ID = 'assist-stack';

export interface StackOverlay {
  showImageIndex(index: number, count: number): void;
  showWindow(width: number, center: number): void;
}

export class StackView {
  readonly viewport: StackViewport;
  private readonly engine: RenderingEngine;

  constructor(
    private readonly element: HTMLDivElement,
    private readonly overlay: StackOverlay,
  ) {
    this.engine = new RenderingEngine(RENDERING_ENGINE_ID);
    this.engine.enableElement({
      viewportId: VIEWPORT_ID,
      type: Enums.ViewportType.STACK,
      element,
      defaultOptions: { background: [0, 0, 0] },
    });
    this.viewport = this.engine.getViewport(VIEWPORT_ID) as StackViewport;
    bindTools();
    element.addEventListener(Enums.Events.STACK_NEW_IMAGE, ((event: Types.EventTypes.StackNewImageEvent) => {
      this.overlay.showImageIndex(event.detail.imageIdIndex, this.viewport.getImageIds().length);
    }) as EventListener);
    element.addEventListener(Enums.Events.VOI_MODIFIED, ((event: Types.EventTypes.VoiModifiedEvent) => {
      const { lower, upper } = event.detail.range;
      this.overlay.showWindow(upper - lower, (upper + lower) / 2);
    }) as EventListener);
    // Right drag zooms; the browser's menu would get in the way.
    element.addEventListener('contextmenu', (event) => event.preventDefault());
    // The canvas follows the element's size; the layout sizes the element.
    new ResizeObserver(() => this.engine.resize(true, true)).observe(element);
  }

  /** Shows the stack; resolves once its first image has been drawn on the canvas. */
  async show(imageIds: string[], startIndex = 0): Promise<void> {
    const rendered = new Promise<void>((resolve) =>
      this.element.addEventListener(Enums.Events.IMAGE_RENDERED, () => resolve(), { once: true }),
    );
    await this.viewport.setStack(imageIds, startIndex);
    this.viewport.render();
    await rendered;
    // Fetch the rest of the stack in the background so that scrolling does not wait.
    toolUtilities.stackPrefetch.enable(this.element);
    this.overlay.showImageIndex(this.viewport.getCurrentImageIdIndex(), imageIds.length);
    const voi = this.viewport.getProperties().voiRange;
    if (voi) this.overlay.showWindow(voi.upper - voi.lower, (voi.upper + voi.lower) / 2);
  }
}

/** Left drag: window/level; wheel: scroll slices; right drag: zoom; middle drag: pan. */
function bindTools(): void {
  const group =
    ToolGroupManager.getToolGroup(TOOL_GROUP_ID) ?? ToolGroupManager.createToolGroup(TOOL_GROUP_ID);
  if (!group) throw new Error('Cornerstone tool group could not be created');
  const { MouseBindings } = ToolEnums;
  for (const tool of [WindowLevelTool, StackScrollTool, ZoomTool, PanTool]) {
    group.addTool(tool.toolName);
  }
  group.setToolActive(WindowLevelTool.toolName, { bindings: [{ mouseButton: MouseBindings.Primary }] });
  group.setToolActive(StackScrollTool.toolName, { bindings: [{ mouseButton: MouseBindings.Wheel }] });
  group.setToolActive(ZoomTool.toolName, { bindings: [{ mouseButton: MouseBindings.Secondary }] });
  group.setToolActive(PanTool.toolName, { bindings: [{ mouseButton: MouseBindings.Auxiliary }] });
  group.addViewport(VIEWPORT_ID, RENDERING_ENGINE_ID);
}
