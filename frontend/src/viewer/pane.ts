/**
 * One row of the viewer: a series in axial, coronal and sagittal volume viewports (or, for a
 * series that is not a volume, one stack viewport), with per-viewport overlays and slice slider.
 */
import {
  Enums,
  eventTarget,
  type RenderingEngine,
  setVolumesForViewports,
  type StackViewport,
  type Types,
  utilities as csUtilities,
  volumeLoader,
  type VolumeViewport,
} from '@cornerstonejs/core';

export const ORIENTATIONS = ['axial', 'coronal', 'sagittal'] as const;
export type Orientation = (typeof ORIENTATIONS)[number];

export interface PaneCell {
  viewportId: string;
  orientation: Orientation;
  element: HTMLDivElement;
  root: HTMLElement;
  index: HTMLElement;
  window: HTMLElement;
  slider: HTMLInputElement;
}

export type PaneMode = 'volume' | 'stack' | 'empty';

export class SeriesPane {
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
    private readonly engine: RenderingEngine,
    readonly title: HTMLElement,
  ) {
    this.cells = ORIENTATIONS.map((orientation) => this.makeCell(orientation));
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
    for (const cell of this.cells) this.refreshCell(cell);
  }

  private refreshCell(cell: PaneCell): void {
    const viewport = this.viewport(cell);
    if (!viewport || (this.mode === 'volume' && !(viewport as VolumeViewport).getActors().length)) return;
    let index = 0;
    let count = 0;
    if (this.mode === 'stack') {
      const stack = viewport as StackViewport;
      index = stack.getCurrentImageIdIndex();
      count = stack.getImageIds().length;
    } else {
      // Counted on this row's own series: a finer labelmap on the view would count its slices.
      const info = this.scrollInfo(viewport as VolumeViewport);
      index = info?.currentStepIndex ?? 0;
      count = info ? info.numScrollSteps + 1 : 0;
    }
    const label = this.mode === 'stack' ? 'Image' : capitalise(cell.orientation);
    cell.index.textContent = count > 0 ? `${label} ${index + 1} / ${count}` : '';
    cell.slider.max = String(Math.max(0, count - 1));
    cell.slider.value = String(index);
    cell.slider.setAttribute('aria-valuetext', cell.index.textContent);
    let voi: Types.VOIRange | undefined;
    try {
      voi = (viewport.getProperties() as { voiRange?: Types.VOIRange } | undefined)?.voiRange;
    } catch {
      voi = undefined; // no volume on the viewport yet
    }
    if (voi) cell.window.textContent = `W ${Math.round(voi.upper - voi.lower)} · L ${Math.round((voi.upper + voi.lower) / 2)}`;
  }

  private scrollInfo(viewport: VolumeViewport): { numScrollSteps: number; currentStepIndex: number } | undefined {
    try {
      return csUtilities.getVolumeViewportScrollInfo(viewport, this.volumeId, true);
    } catch {
      return undefined; // the volume is not on the viewport yet
    }
  }

  private makeCell(orientation: Orientation): PaneCell {
    const root = document.createElement('div');
    root.className = 'cell';
    const viewportId = `${this.name}-${orientation}`;
    root.dataset.viewport = viewportId;
    const element = document.createElement('div');
    element.className = 'viewport';
    element.id = viewportId;
    element.setAttribute('role', 'img');
    element.setAttribute('aria-label', `${this.name} row, ${orientation} view`);
    element.addEventListener('contextmenu', (event) => event.preventDefault());
    const corner = (className: string): HTMLElement => {
      const div = document.createElement('div');
      div.className = `overlay ${className}`;
      return div;
    };
    const index = corner('bottom-left overlay-index');
    index.setAttribute('aria-live', 'polite');
    const window = corner('bottom-right overlay-window');
    const slider = document.createElement('input');
    slider.type = 'range';
    slider.min = '0';
    slider.max = '0';
    slider.className = 'slice-slider';
    slider.setAttribute('aria-label', `Slice, ${this.name} ${orientation}`);
    root.append(element, index, window, slider);
    this.container.append(root);
    const cell: PaneCell = { viewportId, orientation, element, root, index, window, slider };
    slider.addEventListener('input', () => {
      const viewport = this.viewport(cell);
      if (!viewport) return;
      if (this.mode === 'stack') {
        csUtilities.jumpToSlice(element, { imageIndex: Number(slider.value) }).catch((e: unknown) => console.error(e));
        return;
      }
      const info = this.scrollInfo(viewport as VolumeViewport);
      if (info) csUtilities.scroll(viewport as unknown as Types.IViewport, { delta: Number(slider.value) - info.currentStepIndex, volumeId: this.volumeId });
    });
    const refresh = (): void => this.refreshCell(cell);
    for (const name of [
      Enums.Events.VOLUME_NEW_IMAGE,
      Enums.Events.STACK_NEW_IMAGE,
      Enums.Events.CAMERA_MODIFIED,
      Enums.Events.VOI_MODIFIED,
    ]) {
      element.addEventListener(name, refresh);
    }
    new ResizeObserver(() => this.engine.resize(true, true)).observe(element);
    return cell;
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
