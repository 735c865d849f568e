/**
 * One view of a row: the viewport's element, its overlays (slice number, window and level) and
 * its slice slider, kept in step with the viewport.
 */
import {
  Enums,
  type RenderingEngine,
  type StackViewport,
  type Types,
  utilities as csUtilities,
  type VolumeViewport,
} from '@cornerstonejs/core';

export const ORIENTATIONS = ['axial', 'coronal', 'sagittal'] as const;
export type Orientation = (typeof ORIENTATIONS)[number];

export type PaneMode = 'volume' | 'stack' | 'empty';

export interface PaneCell {
  viewportId: string;
  orientation: Orientation;
  element: HTMLDivElement;
  root: HTMLElement;
  index: HTMLElement;
  window: HTMLElement;
  slider: HTMLInputElement;
}

/** What a cell needs of its row: the row's name, engine and what it shows now. */
export interface CellRow {
  readonly name: string;
  readonly engine: RenderingEngine;
  readonly mode: PaneMode;
  readonly volumeId: string;
  viewport(cell: PaneCell): VolumeViewport | StackViewport | undefined;
}

export function makeCell(row: CellRow, container: HTMLElement, orientation: Orientation): PaneCell {
  const root = document.createElement('div');
  root.className = 'cell';
  const viewportId = `${row.name}-${orientation}`;
  root.dataset.viewport = viewportId;
  const element = document.createElement('div');
  element.className = 'viewport';
  element.id = viewportId;
  element.setAttribute('role', 'img');
  element.setAttribute('aria-label', `${row.name} row, ${orientation} view`);
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
  slider.setAttribute('aria-label', `Slice, ${row.name} ${orientation}`);
  root.append(element, index, window, slider);
  container.append(root);
  const cell: PaneCell = { viewportId, orientation, element, root, index, window, slider };
  slider.addEventListener('input', () => {
    const viewport = row.viewport(cell);
    if (!viewport) return;
    if (row.mode === 'stack') {
      csUtilities.jumpToSlice(element, { imageIndex: Number(slider.value) }).catch((e: unknown) => console.error(e));
      return;
    }
    const info = scrollInfo(viewport as VolumeViewport, row.volumeId);
    if (info) csUtilities.scroll(viewport as unknown as Types.IViewport, { delta: Number(slider.value) - info.currentStepIndex, volumeId: row.volumeId });
  });
  const refresh = (): void => refreshCell(row, cell);
  for (const name of [
    Enums.Events.VOLUME_NEW_IMAGE,
    Enums.Events.STACK_NEW_IMAGE,
    Enums.Events.CAMERA_MODIFIED,
    Enums.Events.VOI_MODIFIED,
  ]) {
    element.addEventListener(name, refresh);
  }
  new ResizeObserver(() => row.engine.resize(true, true)).observe(element);
  return cell;
}

/** The cell's overlays and slider as the viewport is now. */
export function refreshCell(row: CellRow, cell: PaneCell): void {
  const viewport = row.viewport(cell);
  if (!viewport || (row.mode === 'volume' && !(viewport as VolumeViewport).getActors().length)) return;
  let index = 0;
  let count = 0;
  if (row.mode === 'stack') {
    const stack = viewport as StackViewport;
    index = stack.getCurrentImageIdIndex();
    count = stack.getImageIds().length;
  } else {
    // Counted on this row's own series: a finer labelmap on the view would count its slices.
    const info = scrollInfo(viewport as VolumeViewport, row.volumeId);
    index = info?.currentStepIndex ?? 0;
    count = info ? info.numScrollSteps + 1 : 0;
  }
  const label = row.mode === 'stack' ? 'Image' : capitalise(cell.orientation);
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

function scrollInfo(viewport: VolumeViewport, volumeId: string): { numScrollSteps: number; currentStepIndex: number } | undefined {
  try {
    return csUtilities.getVolumeViewportScrollInfo(viewport, volumeId, true);
  } catch {
    return undefined; // the volume is not on the viewport yet
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
