/** What the upload page shows: progress, the per-file result table, the summary and links. */
import { byId, cell } from '../shared/dom';
import { formatBytes, plural } from '../shared/format';
import type { Outcome } from './api';

/** The server's outcomes, plus 'failed' for files whose request got an error answer. */
export type RowOutcome = Outcome | 'failed';

export interface Row {
  file: string;
  outcome: RowOutcome;
  reason: string;
}

export interface Tally {
  stored: number;
  duplicate: number;
  refused: number;
  failed: number;
}

const OUTCOME_LABEL: Record<RowOutcome, string> = {
  stored: 'Stored',
  duplicate: 'Duplicate',
  refused: 'Refused',
  failed: 'Not uploaded',
};

export class UploadView {
  private readonly panel = byId('upload-status', HTMLElement);
  private readonly progress = byId('upload-progress', HTMLProgressElement);
  private readonly progressText = byId('upload-progress-text', HTMLElement);
  private readonly summary = byId('upload-summary', HTMLElement);
  private readonly error = byId('upload-error', HTMLElement);
  private readonly links = byId('upload-links', HTMLElement);
  private readonly table = byId('upload-results', HTMLTableElement);
  private readonly body = byId('upload-results-body', HTMLTableSectionElement);
  private lastPercent = -1;

  constructor(
    private readonly studyListUrl: string,
    private readonly viewerUrl: (studyUid: string) => string,
  ) {}

  started(fileCount: number, totalBytes: number): void {
    this.panel.hidden = false;
    this.table.hidden = false;
    this.links.replaceChildren();
    this.summary.textContent = `Uploading ${plural(fileCount, 'file')} (${formatBytes(totalBytes)})…`;
  }

  showProgress(sentBytes: number, totalBytes: number): void {
    const percent = totalBytes > 0 ? Math.floor((sentBytes / totalBytes) * 100) : 100;
    this.progress.value = percent;
    // Screen readers hear the live region: speak whole percents only.
    if (percent === this.lastPercent) return;
    this.lastPercent = percent;
    this.progressText.textContent = `${percent}% · ${formatBytes(sentBytes)} of ${formatBytes(totalBytes)}`;
  }

  addRows(rows: Row[]): void {
    const fragment = document.createDocumentFragment();
    for (const row of rows) {
      const tr = document.createElement('tr');
      tr.dataset.outcome = row.outcome;
      tr.append(cell(row.file, 'file'));
      const outcome = cell('', 'outcome');
      const badge = document.createElement('span');
      badge.className = `badge badge-${row.outcome}`;
      badge.textContent = OUTCOME_LABEL[row.outcome];
      outcome.append(badge);
      tr.append(outcome, cell(row.reason, 'reason'));
      fragment.append(tr);
    }
    this.body.append(fragment);
  }

  showError(message: string): void {
    this.error.textContent = message;
    this.error.hidden = false;
  }

  clearError(): void {
    this.error.textContent = '';
    this.error.hidden = true;
  }

  finished(tally: Tally, studyUids: string[]): void {
    const parts = [
      `${tally.stored} stored`,
      `${tally.duplicate} duplicate`,
      `${tally.refused} refused`,
    ];
    if (tally.failed > 0) parts.push(`${plural(tally.failed, 'file')} not uploaded`);
    this.summary.textContent = `Finished: ${parts.join(', ')}.`;
    this.summary.dataset.done = '1';

    const list = document.createElement('a');
    list.href = this.studyListUrl;
    list.textContent = 'Go to the worklist';
    this.links.replaceChildren(list);
    for (const uid of studyUids) {
      const view = document.createElement('a');
      view.href = this.viewerUrl(uid);
      // One study is the usual case; several are told apart by the end of their UIDs.
      view.textContent =
        studyUids.length === 1 ? 'Open the study in the viewer' : `Open study …${uid.slice(-12)}`;
      view.title = `Study Instance UID ${uid}`;
      this.links.append(view);
    }
  }
}
