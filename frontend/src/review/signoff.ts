/** Waiting for a saved revision to be written, and the password dialog that approves one. */
import { byId } from '../shared/dom';
import { api, type RevisionJson, type StructureSetJson } from './api';
import { messageOf } from './exportPanel';

const POLL_MS = 500;
const POLLS = 240; // two minutes: the worker writes a SEG and an RTSTRUCT

/** Polls the structure set until the revision is no longer being written (or time runs out). */
export async function revisionWritten(
  setId: number,
  revisionId: number,
  onPoll: (set: StructureSetJson) => void,
): Promise<RevisionJson | undefined> {
  for (let attempt = 0; attempt < POLLS; attempt += 1) {
    const set = await api.structureSet(setId);
    onPoll(set);
    const found = set.revisions.find((r) => r.id === revisionId);
    if (found && found.state !== 'writing') return found;
    await new Promise((resolve) => window.setTimeout(resolve, POLL_MS));
  }
  return undefined;
}

/**
 * Approval asks for the password again: the Approve button opens the dialog for the revision
 * shown. `approve` returns nothing when done, or throws: the dialog shows the server's message
 * and stays open for another try.
 */
export class ApprovalDialog {
  private readonly dialog = byId('approve-dialog', HTMLDialogElement);
  private readonly password = byId('approve-password', HTMLInputElement);
  private readonly error = byId('approve-error', HTMLElement);
  private readonly confirm = byId('approve-confirm', HTMLButtonElement);

  constructor(
    private readonly approve: (password: string) => Promise<void>,
    revisionNumber: () => number,
  ) {
    byId('approve-cancel', HTMLButtonElement).addEventListener('click', () => this.dialog.close());
    byId('approve-form', HTMLFormElement).addEventListener('submit', (event) => {
      event.preventDefault();
      void this.submit();
    });
    byId('approve', HTMLButtonElement).addEventListener('click', () => this.open(revisionNumber()));
  }

  open(revisionNumber: number): void {
    byId('approve-number', HTMLElement).textContent = String(revisionNumber);
    this.error.hidden = true;
    this.password.value = '';
    this.dialog.showModal();
  }

  private async submit(): Promise<void> {
    this.confirm.disabled = true;
    try {
      await this.approve(this.password.value);
      this.dialog.close();
    } catch (failure) {
      this.error.textContent = messageOf(failure);
      this.error.hidden = false;
    } finally {
      this.confirm.disabled = false;
    }
  }
}
