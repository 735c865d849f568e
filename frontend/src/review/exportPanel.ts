/** Metrics of an approved revision against the AI's, downloads, C-STORE sending, history. */
import { byId, cell } from '../shared/dom';
import { api, ApiError, type ExportJson, type MetricsRow, type RevisionJson } from './api';

const PENDING = new Set(['queued', 'pending', 'sending', 'running', 'retrying']);

export class ExportPanel {
  private readonly history = byId('export-history', HTMLTableElement).tBodies[0]!;
  private readonly destination = byId('destination', HTMLSelectElement);
  private readonly send = byId('send', HTMLButtonElement);
  private revision: RevisionJson | null = null;
  private polling: number | undefined;

  constructor(
    private readonly studyUID: string,
    private readonly say: (message: string, isError?: boolean) => void,
  ) {
    byId('send-form', HTMLFormElement).addEventListener('submit', (event) => {
      event.preventDefault();
      this.sendNow().catch((error: unknown) => this.say(messageOf(error), true));
    });
  }

  async start(): Promise<void> {
    const destinations = await api.destinations().catch(() => []);
    this.destination.replaceChildren(
      ...destinations.map((d) => {
        const option = document.createElement('option');
        option.value = String(d.id);
        option.textContent = d.name;
        return option;
      }),
    );
    if (destinations.length === 0) {
      const option = document.createElement('option');
      option.value = '';
      option.textContent = '(no destination configured)';
      this.destination.append(option);
    }
    await this.refreshHistory();
  }

  /** The revision on screen: its downloads, whether it may be sent, and its metrics. */
  async show(revision: RevisionJson): Promise<void> {
    this.revision = revision;
    byId('download-rtstruct', HTMLAnchorElement).href = api.downloadUrl(revision.id, 'rtstruct');
    byId('download-seg', HTMLAnchorElement).href = api.downloadUrl(revision.id, 'seg');
    this.send.disabled = revision.approval === null || this.destination.value === '';
    this.send.title = revision.approval ? '' : 'Approve the revision before sending it to the planning system.';
    const section = byId('metrics-section', HTMLElement);
    if (!revision.approval) {
      section.hidden = true;
      return;
    }
    const metrics = await api.metrics(revision.id).catch(() => null);
    section.hidden = metrics === null;
    if (metrics) byId('metrics', HTMLTableElement).tBodies[0]!.replaceChildren(...metrics.structures.map(metricsRow));
  }

  private async sendNow(): Promise<void> {
    if (!this.revision || this.destination.value === '') return;
    this.send.disabled = true;
    try {
      await api.sendExport(this.revision.id, Number(this.destination.value), ['rtstruct']);
      this.say(`Revision ${this.revision.number} is on its way to ${this.destination.selectedOptions[0]?.textContent ?? ''}.`);
    } finally {
      this.send.disabled = this.revision.approval === null;
    }
    await this.refreshHistory();
  }

  async refreshHistory(): Promise<void> {
    const exports = await api.exportHistory(this.studyUID).catch(() => [] as ExportJson[]);
    this.history.replaceChildren(...exports.map(historyRow));
    window.clearTimeout(this.polling);
    if (exports.some((e) => PENDING.has(e.state))) {
      this.polling = window.setTimeout(() => void this.refreshHistory(), 1500);
    }
  }
}

function historyRow(e: ExportJson): HTMLTableRowElement {
  const tr = document.createElement('tr');
  tr.dataset.state = e.state;
  const when = new Date(e.finished_at ?? e.created_at);
  const state = e.error ? `${e.state}: ${e.error}` : e.state;
  tr.append(
    cell(when.toLocaleString('en-GB', { dateStyle: 'short', timeStyle: 'short' })),
    cell(String(e.revision_number)),
    cell(e.object.toUpperCase()),
    cell(e.kind === 'download' ? 'download' : (e.destination_name ?? '–')),
    cell(state, `state state-${e.state}`),
  );
  return tr;
}

function metricsRow(m: MetricsRow): HTMLTableRowElement {
  const tr = document.createElement('tr');
  const fixed = (value: number | null, digits: number): string => (value === null ? '–' : value.toFixed(digits));
  const change = `${m.volume_change_ml >= 0 ? '+' : ''}${m.volume_change_ml.toFixed(1)} ml` +
    (m.volume_change_pct === null ? '' : ` (${m.volume_change_pct >= 0 ? '+' : ''}${m.volume_change_pct.toFixed(0)} %)`);
  tr.append(
    cell(m.structure),
    cell(fixed(m.dice, 3), 'num'),
    cell(fixed(m.hd95_mm, 1), 'num'),
    cell(fixed(m.surface_dice, 3), 'num'),
    cell(fixed(m.apl_mm, 0), 'num'),
    cell(fixed(m.volume_ai_ml, 1), 'num'),
    cell(fixed(m.volume_approved_ml, 1), 'num'),
    cell(change, 'num'),
  );
  return tr;
}

export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return error instanceof Error ? error.message : String(error);
}
