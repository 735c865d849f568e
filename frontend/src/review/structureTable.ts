/** The structures table: which one the tools edit, and each one's display and decision. */
import type { Decision } from './api';
import type { LayerStyle } from './layerStyle';

export interface StructureRow {
  name: string;
  color: [number, number, number];
  style: LayerStyle;
  decision: Decision;
  voxels: number;
}

export interface StructureTableEvents {
  onActive(name: string): void;
  onStyle(name: string, style: Partial<LayerStyle>): void;
  onDecision(name: string, decision: Decision): void;
}

export class StructureTable {
  private readonly rows = new Map<string, HTMLTableRowElement>();

  constructor(
    private readonly body: HTMLTableSectionElement,
    private readonly events: StructureTableEvents,
  ) {}

  render(rows: StructureRow[], active: string): void {
    this.rows.clear();
    this.body.replaceChildren(...rows.map((row) => this.makeRow(row, row.name === active)));
  }

  update(row: StructureRow, active: string): void {
    const tr = this.rows.get(row.name);
    if (!tr) return;
    (tr.querySelector('input[name="active-structure"]') as HTMLInputElement).checked = row.name === active;
    (tr.querySelector('.show') as HTMLInputElement).checked = row.style.visible;
    (tr.querySelector('.opacity') as HTMLInputElement).value = String(Math.round(row.style.opacity * 100));
    (tr.querySelector('.fill') as HTMLInputElement).checked = row.style.fill;
    (tr.querySelector('.decision') as HTMLSelectElement).value = row.decision;
    (tr.querySelector('.voxels') as HTMLElement).textContent = row.voxels.toLocaleString('en');
    tr.classList.toggle('active', row.name === active);
  }

  private makeRow(row: StructureRow, active: boolean): HTMLTableRowElement {
    const tr = document.createElement('tr');
    tr.dataset.structure = row.name;
    tr.classList.toggle('active', active);
    const radio = input('radio', `Edit ${row.name}`);
    radio.name = 'active-structure';
    radio.checked = active;
    radio.addEventListener('change', () => this.events.onActive(row.name));
    const name = document.createElement('span');
    name.className = 'structure-name';
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = `rgb(${row.color.join(',')})`;
    name.append(swatch, row.name);
    const show = input('checkbox', `Show ${row.name}`, 'show');
    show.checked = row.style.visible;
    show.addEventListener('change', () => this.events.onStyle(row.name, { visible: show.checked }));
    const opacity = input('range', `${row.name} opacity`, 'opacity');
    opacity.min = '0';
    opacity.max = '100';
    opacity.value = String(Math.round(row.style.opacity * 100));
    opacity.addEventListener('input', () => this.events.onStyle(row.name, { opacity: Number(opacity.value) / 100 }));
    const fill = input('checkbox', `Fill ${row.name} (else outline only)`, 'fill');
    fill.checked = row.style.fill;
    fill.addEventListener('change', () => this.events.onStyle(row.name, { fill: fill.checked }));
    const decision = document.createElement('select');
    decision.className = 'decision';
    decision.setAttribute('aria-label', `${row.name} decision`);
    for (const value of ['accepted', 'edited', 'rejected'] as const) {
      const option = document.createElement('option');
      option.value = value;
      option.textContent = value.charAt(0).toUpperCase() + value.slice(1);
      decision.append(option);
    }
    decision.value = row.decision;
    decision.addEventListener('change', () => this.events.onDecision(row.name, decision.value as Decision));
    const voxels = document.createElement('span');
    voxels.className = 'voxels';
    voxels.textContent = row.voxels.toLocaleString('en');
    for (const [content, className] of [
      [radio, ''], [name, ''], [show, ''], [opacity, ''], [fill, ''], [decision, ''], [voxels, 'num'],
    ] as const) {
      const td = document.createElement('td');
      if (className) td.className = className;
      td.append(content);
      tr.append(td);
    }
    this.rows.set(row.name, tr);
    return tr;
  }
}

function input(type: string, label: string, className = ''): HTMLInputElement {
  const element = document.createElement('input');
  element.type = type;
  element.setAttribute('aria-label', label);
  if (className) element.className = className;
  return element;
}
