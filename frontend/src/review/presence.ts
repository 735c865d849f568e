/**
 * Who is editing this structure set. A reviewer who edits claims it and sends a heartbeat every
 * 30 s (the server forgets a claim after 2 minutes of silence); everyone else sees the claim.
 */
import { api, ApiError, type Person } from './api';

const HEARTBEAT_MS = 30_000;

export class Presence {
  private claimed = false;
  private timer: number | undefined;

  constructor(
    private readonly setId: number,
    private readonly username: string,
    private readonly line: HTMLElement,
  ) {}

  /** Shows the current editor and keeps looking every 30 s until this page claims. */
  watch(editor: (Person & { since: string }) | null): void {
    this.show(editor);
    this.timer = window.setInterval(() => {
      if (this.claimed) return;
      api.structureSet(this.setId).then((set) => this.show(set.editor)).catch(() => undefined);
    }, HEARTBEAT_MS);
  }

  /** Called on each edit; the first claims, then a heartbeat keeps the claim. */
  claim(): void {
    if (this.claimed) return;
    this.claimed = true;
    const beat = (): void => {
      api.claimEditing(this.setId)
        .then((answer) => this.show(answer.editor))
        .catch((error: unknown) => {
          if (error instanceof ApiError) this.say(error.message);
        });
    };
    beat();
    window.clearInterval(this.timer);
    this.timer = window.setInterval(beat, HEARTBEAT_MS);
    window.addEventListener('pagehide', () => {
      // keepalive lets the release outlive the page.
      void fetch(`/api/v1/structure-sets/${this.setId}/editing/`, {
        method: 'DELETE',
        credentials: 'same-origin',
        keepalive: true,
        headers: { 'X-CSRFToken': csrf() },
      }).catch(() => undefined);
    });
  }

  private show(editor: (Person & { since: string }) | null): void {
    if (!editor || editor.username === this.username) {
      this.say('');
      return;
    }
    const since = new Date(editor.since).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });
    this.say(`${editor.name || editor.username} is editing these structures (since ${since}).`);
  }

  private say(text: string): void {
    this.line.textContent = text;
    this.line.hidden = text === '';
  }
}

function csrf(): string {
  return document.cookie.split(';').map((p) => p.trim()).find((p) => p.startsWith('csrftoken='))?.slice(10) ?? '';
}
