/**
 * The viewer's two rows and what they show: a series put in a row with its tool group and the
 * structures over it, the rows' views linked where they share a space, the left button's tool
 * in each row, and views reset to show the whole series.
 */
import { RenderingEngine } from '@cornerstonejs/core';
import { CrosshairsTool, ToolGroupManager } from '@cornerstonejs/tools';
import type { ReviewSession } from '../review/review';
import { byId } from '../shared/dom';
import { linkRows } from './linkRows';
import { SeriesPane } from './pane';
import type { FirstPreview } from './preview';
import { seriesLabel } from './seriesList';
import type { StudySeries } from './studySeries';
import { noteFirstImage, type PageTimings } from './timings';
import { choosePrimary, RENDERING_ENGINE_ID, stackToolGroup, volumeToolGroup, type PrimaryTool } from './tools';

export type Row = 'top' | 'bottom';

export class ViewerRows {
  readonly engine: RenderingEngine;
  readonly top: SeriesPane;
  readonly bottom: SeriesPane;
  /** The review of the study's structures, once they are drawn. */
  review: ReviewSession | null = null;
  /** Whether the bottom row's views follow the top row's (same frame of reference). */
  linked = false;
  private primaryTool: PrimaryTool = 'crosshairs';

  constructor(
    private readonly studySeries: StudySeries,
    private readonly preview: FirstPreview,
    private readonly timings: PageTimings,
  ) {
    this.engine = new RenderingEngine(RENDERING_ENGINE_ID);
    this.top = new SeriesPane('top', byId('pane-top', HTMLElement).querySelector('.cells') as HTMLElement, this.engine, byId('pane-top-title', HTMLElement));
    this.bottom = new SeriesPane('bottom', byId('pane-bottom', HTMLElement).querySelector('.cells') as HTMLElement, this.engine, byId('pane-bottom-title', HTMLElement));
  }

  get panes(): SeriesPane[] {
    return [this.top, this.bottom];
  }

  pane(row: Row): SeriesPane {
    return row === 'top' ? this.top : this.bottom;
  }

  /** Every view of both rows. */
  get viewportIds(): string[] {
    return [...this.top.viewportIds, ...this.bottom.viewportIds];
  }

  async show(pane: SeriesPane, seriesUID: string): Promise<void> {
    if (pane.name === 'top' && seriesUID !== this.preview.seriesUID) this.preview.remove();
    const loaded = await this.studySeries.load(seriesUID);
    pane.title.textContent = `${pane.name === 'top' ? 'Above' : 'Below'}: ${loaded.summary.modality} ${seriesLabel(loaded.summary)}`;
    this.review?.detach(pane.viewportIds);
    for (const id of [`volume-${pane.name}`, `stack-${pane.name}`]) {
      const group = ToolGroupManager.getToolGroup(id);
      for (const cell of pane.cells) group?.removeViewports(RENDERING_ENGINE_ID, cell.viewportId);
    }
    if (loaded.imageIds.length === 0) throw new Error('This series has no images.');
    if (loaded.volume) {
      const volume = await this.studySeries.volume(seriesUID);
      const shown = pane.showVolume(seriesUID, volume.volumeId, loaded.imageIds);
      const group = volumeToolGroup(`volume-${pane.name}`);
      for (const id of pane.viewportIds) group.addViewport(id, RENDERING_ENGINE_ID);
      this.review?.attach(pane.viewportIds);
      await shown;
      if (this.review) {
        await this.labelmapsMounted(pane.viewportIds);
        this.resetViews([pane]);
      }
      // Crosshairs place themselves when first active; other tools keep them drawn afterwards.
      choosePrimary(group, 'crosshairs');
      if (this.primaryTool !== 'crosshairs') choosePrimary(group, this.primaryTool);
    } else {
      await pane.showStack(seriesUID, loaded.imageIds);
      const group = stackToolGroup(`stack-${pane.name}`);
      for (const id of pane.viewportIds) group.addViewport(id, RENDERING_ENGINE_ID);
    }
    // The axial view now shows the whole series; the preview under it would only be stale.
    if (pane.name === 'top') this.preview.remove();
    this.linked = linkRows(this.engine, this.top, this.bottom);
    this.bottom.title.dataset.linked = this.linked ? '1' : '0';
    if (pane.firstImageAt !== undefined) noteFirstImage(this.timings, pane.firstImageAt);
  }

  async waitForFirstImage(pane: SeriesPane): Promise<void> {
    // show() resets the pane's promise once the series' metadata is in; wait for that first.
    while (pane.seriesUID === '') await new Promise((resolve) => setTimeout(resolve, 10));
    await pane.firstImage;
  }

  /** Puts `tool` on the left button of every row that shows a volume, and of those shown later. */
  setPrimaryTool(tool: PrimaryTool): void {
    this.primaryTool = tool;
    for (const pane of this.panes) {
      if (pane.mode !== 'volume') continue;
      const group = ToolGroupManager.getToolGroup(`volume-${pane.name}`);
      if (group) choosePrimary(group, tool);
    }
  }

  /**
   * Cornerstone mounts labelmaps asynchronously, and mounting one of another grid moves the
   * camera of a view; wait for them before (re)centring views and crosshairs.
   */
  async labelmapsMounted(viewportIds: string[]): Promise<void> {
    const wanted = 1 + (this.review?.layers.structures.size ?? 0);
    const deadline = performance.now() + 5000;
    while (performance.now() < deadline) {
      const mounted = viewportIds.every((id) => {
        const viewport = this.engine.getViewport(id) as { getActors?: () => unknown[] } | undefined;
        return !viewport?.getActors || viewport.getActors().length >= wanted || id.endsWith('-stack');
      });
      if (mounted) break;
      await new Promise((resolve) => requestAnimationFrame(resolve));
    }
    await new Promise((resolve) => requestAnimationFrame(resolve));
  }

  resetViews(which: SeriesPane[] = this.panes): void {
    for (const pane of which) {
      for (const id of pane.viewportIds) this.engine.getViewport(id)?.resetCamera();
    }
    for (const id of which.map((pane) => `volume-${pane.name}`)) {
      const crosshairs = ToolGroupManager.getToolGroup(id)?.getToolInstance(CrosshairsTool.toolName) as
        | { resetCrosshairs?: () => void }
        | undefined;
      crosshairs?.resetCrosshairs?.();
    }
    this.engine.render();
  }

  /** Each view's slice ("Axial 12 / 44") and camera focal point, for checks of navigation. */
  views(): { id: string; slice: string; focalPoint: number[] }[] {
    return this.panes.flatMap((pane) =>
      pane.cells
        .filter((cell) => this.engine.getViewport(cell.viewportId))
        .map((cell) => ({
          id: cell.viewportId,
          slice: cell.index.textContent ?? '',
          focalPoint: [...(this.engine.getViewport(cell.viewportId)?.getCamera().focalPoint ?? [])],
        })),
    );
  }
}
