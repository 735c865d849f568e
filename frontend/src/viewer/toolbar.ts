/**
 * The toolbar and the keyboard: the left button's tool in every row (an editing tool only where
 * the review lets this user edit what is shown), the brush size, and the review's shortcuts.
 */
import { bindShortcuts } from '../review/shortcuts';
import { byId } from '../shared/dom';
import type { ViewerRows } from './rows';
import { EDITING_TOOLS, setBrushSize, type PrimaryTool } from './tools';

/** Puts `tool` on the left button of every row; the toolbar shows it chosen. */
export function choosePrimaryEverywhere(rows: ViewerRows, tool: PrimaryTool): void {
  rows.setPrimaryTool(tool);
  for (const button of document.querySelectorAll<HTMLButtonElement>('#tools [data-tool]')) {
    button.setAttribute('aria-pressed', String(button.dataset.tool === tool));
  }
}

/** A toolbar button or its key: editing tools only where this user may edit what is shown. */
function chooseTool(rows: ViewerRows, tool: PrimaryTool): void {
  if (rows.review) rows.review.chooseTool(tool); // says why not, or calls back choosePrimaryEverywhere
  else if (!EDITING_TOOLS.has(tool)) choosePrimaryEverywhere(rows, tool);
}

export function wireToolbar(rows: ViewerRows): void {
  for (const button of document.querySelectorAll<HTMLButtonElement>('#tools [data-tool]')) {
    button.addEventListener('click', () => chooseTool(rows, button.dataset.tool as PrimaryTool));
  }
  const size = byId('brush-size', HTMLInputElement);
  const applySize = (): void => {
    byId('brush-size-value', HTMLOutputElement).value = size.value;
    setBrushSize(['volume-top', 'volume-bottom'], Number(size.value));
  };
  size.addEventListener('input', applySize);
  bindShortcuts({
    tool: (tool) => chooseTool(rows, tool),
    undo: () => rows.review?.undo(),
    redo: () => rows.review?.redo(),
    save: () => void rows.review?.save(),
    interpolate: () => void rows.review?.interpolate(),
    margins: () => void rows.review?.recomputeMargins(),
    toggleAI: () => void rows.review?.toggleAI(),
    structure: (index) => rows.review?.selectStructure(index),
    toggleVisible: () => rows.review?.toggleDisplay('visible'),
    toggleFill: () => rows.review?.toggleDisplay('fill'),
    brushSize: (delta) => {
      size.value = String(Number(size.value) + delta);
      applySize();
    },
    reset: () => rows.resetViews(),
  });
  return applySize();
}
