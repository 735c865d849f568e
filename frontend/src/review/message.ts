/** The review panel's message line: what an action did, or why it could not. */
import { byId } from '../shared/dom';

export function showReviewMessage(text: string, isError = false): void {
  const message = byId('review-message', HTMLElement);
  message.textContent = text;
  message.hidden = text === '';
  message.classList.toggle('error', isError);
}
