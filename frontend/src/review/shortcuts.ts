/** Keyboard shortcuts of the review page (listed in the page's side panel). */
import type { PrimaryTool } from '../viewer/tools';

export interface ShortcutActions {
  tool(tool: PrimaryTool): void;
  undo(): void;
  redo(): void;
  save(): void;
  interpolate(): void;
  margins(): void;
  toggleAI(): void;
  structure(index: number): void;
  toggleVisible(): void;
  toggleFill(): void;
  brushSize(delta: number): void;
  reset(): void;
}

const TOOL_KEYS: Record<string, PrimaryTool> = {
  c: 'crosshairs',
  w: 'windowLevel',
  b: 'brush',
  e: 'eraser',
  r: 'scissors',
  o: 'circleScissors',
  f: 'fill',
};

export function bindShortcuts(actions: ShortcutActions): void {
  document.addEventListener('keydown', (event) => {
    const target = event.target as HTMLElement | null;
    if (target?.closest('input[type="text"], input[type="password"], textarea, select, dialog')) return;
    const key = event.key.toLowerCase();
    const command = event.ctrlKey || event.metaKey;
    let handled = true;
    if (command && key === 'z' && !event.shiftKey) actions.undo();
    else if (command && (key === 'y' || (key === 'z' && event.shiftKey))) actions.redo();
    else if (command && key === 's') actions.save();
    else if (command || event.altKey) handled = false;
    else if (key in TOOL_KEYS) actions.tool(TOOL_KEYS[key]!);
    else if (key === 'i') actions.interpolate();
    else if (key === 'm') actions.margins();
    else if (key === 'a') actions.toggleAI();
    else if (key === 'h') actions.toggleVisible();
    else if (key === 'l') actions.toggleFill();
    else if (key === 'x') actions.reset();
    else if (key === '[') actions.brushSize(-2);
    else if (key === ']') actions.brushSize(2);
    else if (/^[1-9]$/.test(key)) actions.structure(Number(key) - 1);
    else handled = false;
    if (handled) event.preventDefault();
  });
}
