/** One page's uploads: a queue of batches sent one request at a time, with running totals. */
import { sendBatch, UploadError, type UploadResponse } from './api';
import { splitIntoBatches, type Batch } from './batches';
import type { PickedFile } from './collect';
import type { Row, Tally, UploadView } from './view';

export class UploadSession {
  running = false;
  private readonly queue: Batch[] = [];
  private totalBytes = 0;
  private doneBytes = 0;
  private totalFiles = 0;
  private tally: Tally = { stored: 0, duplicate: 0, refused: 0, failed: 0 };
  private readonly studies = new Set<string>();

  constructor(
    private readonly url: string,
    private readonly csrfToken: string,
    private readonly view: UploadView,
  ) {}

  enqueue(files: PickedFile[]): void {
    if (!this.running) this.reset();
    const batches = splitIntoBatches(files);
    this.queue.push(...batches);
    this.totalFiles += files.length;
    this.totalBytes += batches.reduce((sum, batch) => sum + batch.bytes, 0);
    this.view.started(this.totalFiles, this.totalBytes);
    this.view.showProgress(this.doneBytes, this.totalBytes);
    if (!this.running) void this.run();
  }

  private reset(): void {
    this.totalBytes = 0;
    this.doneBytes = 0;
    this.totalFiles = 0;
    this.tally = { stored: 0, duplicate: 0, refused: 0, failed: 0 };
    this.studies.clear();
    this.view.clearError();
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      for (let batch = this.queue.shift(); batch; batch = this.queue.shift()) {
        const stop = await this.send(batch);
        if (stop) break;
      }
    } finally {
      this.running = false;
    }
    this.view.showProgress(this.totalBytes, this.totalBytes);
    this.view.finished(this.tally, [...this.studies]);
  }

  /** Sends one batch; answers true when the remaining batches cannot succeed either. */
  private async send(batch: Batch): Promise<boolean> {
    try {
      const response = await sendBatch(this.url, batch, this.csrfToken, (sent) =>
        this.view.showProgress(this.doneBytes + sent, this.totalBytes),
      );
      this.record(response, batch);
      return false;
    } catch (error) {
      const failure = error instanceof UploadError ? error : new UploadError(String(error), 0);
      this.view.showError(failure.message);
      const failed = failure.isAuthFailure ? [batch, ...this.queue.splice(0)] : [batch];
      for (const skipped of failed) {
        this.tally.failed += skipped.files.length;
        this.view.addRows(
          skipped.files.map((picked) => ({ file: picked.path, outcome: 'failed', reason: failure.message })),
        );
      }
      return failure.isAuthFailure;
    } finally {
      this.doneBytes += batch.bytes;
    }
  }

  private record(response: UploadResponse, batch: Batch): void {
    const rows: Row[] = response.results.map((result) => ({
      file: displayName(result.file, batch),
      outcome: result.outcome,
      reason: result.reason,
    }));
    for (const result of response.results) {
      this.tally[result.outcome] += 1;
      if (result.outcome !== 'refused' && result.study_instance_uid) {
        this.studies.add(result.study_instance_uid);
      }
    }
    this.view.addRows(rows);
  }
}

/** The server names files by their base name; show the relative path when it is unambiguous. */
function displayName(file: string, batch: Batch): string {
  const matches = batch.files.filter((picked) => picked.file.name === file);
  return matches.length === 1 && matches[0] ? matches[0].path : file;
}
