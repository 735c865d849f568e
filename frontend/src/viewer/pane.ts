/**
 * One row of the viewer: a series in axial, coronal and sagittal volume viewports (or, for a
 * series that is not a volume, one stack viewport), each view with its overlays and slice slider
 * (./paneCell).
 */
import {
  Enums,
  eventTarget,
  type RenderingEngine,
  setVolumesForViewports,
  type StackViewport,
  type Types,
  volumeLoader,
  type VolumeViewport,
} from '@cornerstonejs/core';
import { type CellRow, makeCell, ORIENTATIONS, type PaneCell, type PaneMode, refreshCell } from './paneCell';

export class SeriesPane implements CellRow {
  readonly cells: PaneCell[];
  mode: PaneMode = 'empty';
  volumeId = '';
  seriesUID = '';
  imageIds: string[] = [];
  /** performance.now() when a first slice of this pane's series was drawn, and when all were. */
  firstImageAt: number | undefined;
  loadedAt: number | undefined;
  /** Resolves when the series being shown has a first image on the canvas. */
  firstImage: Promise<void> = Promise.resolve();
  private firstImageDrawn: () => void = () => undefined;

  constructor(
    readonly name: string,
    readonly container: HTMLElement,
    readonly engine: RenderingEngine,
    readonly title: HTMLElement,
  ) {
    this.cells = ORIENTATIONS.map((orientation) => makeCell(this, container, orientation));
  }

  get viewportIds(): string[] {
    return this.mode === 'stack' ? [this.cells[0]!.viewportId] : this.cells.map((c) => c.viewportId);
  }

  /** Shows the series as a volume in three orientations; resolves once every slice is loaded. */
  async showVolume(seriesUID: string, volumeId: string, imageIds: string[]): Promise<void> {
    this.reset('volume', seriesUID, imageIds);
    this.volumeId = volumeId;
    for (const cell of this.cells) {
      this.engine.enableElement({
        viewportId: cell.viewportId,
        type: Enums.ViewportType.ORTHOGRAPHIC,
        element: cell.element,
        defaultOptions: { orientation: cell.orientation as Enums.OrientationAxis, background: [0, 0, 0] },
      });
    }
    performance.mark(`${this.name}-enabled`);
    const volume = (await volumeLoader.createAndCacheVolume(volumeId, { imageIds })) as Types.IImageVolume & {
      load?: (callback: () => void) => void;
    };
    const loaded = new Promise<void>((resolve) => {
      const done = (event: Event): void => {
        if ((event as CustomEvent<{ volumeId: string }>).detail.volumeId !== volumeId) return;
        eventTarget.removeEventListener(Enums.Events.IMAGE_VOLUME_LOADING_COMPLETED, done);
        resolve();
      };
      eventTarget.addEventListener(Enums.Events.IMAGE_VOLUME_LOADING_COMPLETED, done);
      const firstFrame = (event: Event): void => {
        if ((event as CustomEvent<{ volumeId: string }>).detail.volumeId !== volumeId) return;
        eventTarget.removeEventListener(Enums.Events.IMAGE_VOLUME_MODIFIED, firstFrame);
        performance.mark(`${this.name}-first-frame`);
        // The modified volume is drawn on the next animation frame.
        requestAnimationFrame(() =>
          requestAnimationFrame(() => {
            this.firstImageAt ??= performance.now();
            this.firstImageDrawn();
          }),
        );
      };
      eventTarget.addEventListener(Enums.Events.IMAGE_VOLUME_MODIFIED, firstFrame);
    });
    if (volume.load) volume.load(() => undefined);
    performance.mark(`${this.name}-volume-created`);
    await setVolumesForViewports(this.engine, [{ volumeId }], this.viewportIds);
    performance.mark(`${this.name}-volume-set`);
    this.engine.renderViewports(this.viewportIds);
    // A cached volume (shown before) completes no second time.
    const status = (volume as unknown as { loadStatus?: { loaded?: boolean } }).loadStatus;
    if (!status?.loaded) await loaded;
    this.firstImageAt ??= performance.now();
    this.firstImageDrawn();
    this.engine.renderViewports(this.viewportIds);
    this.loadedAt = performance.now();
    this.refreshOverlays();
  }

  /** A series that is not a regular volume (one image, repeated positions): one stack view. */
  async showStack(seriesUID: string, imageIds: string[]): Promise<void> {
    this.reset('stack', seriesUID, imageIds);
    const cell = this.cells[0]!;
    this.engine.enableElement({
      viewportId: cell.viewportId,
      type: Enums.ViewportType.STACK,
      element: cell.element,
      defaultOptions: { background: [0, 0, 0] },
    });
    const viewport = this.engine.getViewport(cell.viewportId) as StackViewport;
    const rendered = new Promise<void>((resolve) =>
      cell.element.addEventListener(Enums.Events.IMAGE_RENDERED, () => resolve(), { once: true }),
    );
    await viewport.setStack(imageIds, 0);
    viewport.render();
    await rendered;
    this.firstImageAt = this.loadedAt = performance.now();
    this.firstImageDrawn();
    this.refreshOverlays();
  }

  private reset(mode: PaneMode, seriesUID: string, imageIds: string[]): void {
    for (const cell of this.cells) {
      if (this.engine.getViewport(cell.viewportId)) this.engine.disableElement(cell.viewportId);
    }
    this.mode = mode;
    this.seriesUID = seriesUID;
    this.imageIds = imageIds;
    this.volumeId = '';
    this.firstImageAt = this.loadedAt = undefined;
    this.firstImage = new Promise((resolve) => (this.firstImageDrawn = resolve));
    (this.container.closest<HTMLElement>('.pane') ?? this.container).dataset.mode = mode;
    this.cells.forEach((cell, i) => (cell.root.hidden = mode === 'stack' && i > 0));
  }

  viewport(cell: PaneCell): VolumeViewport | StackViewport | undefined {
    return this.engine.getViewport(cell.viewportId) as VolumeViewport | StackViewport | undefined;
  }

  refreshOverlays(): void {
    for (const cell of this.cells) refreshCell(this, cell);
  }
}
