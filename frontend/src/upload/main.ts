/** The upload page: pick or drop files, folders or zips; they go up in batches, one at a time. */
import './upload.css';
import { csrfToken } from '../shared/csrf';
import { byId } from '../shared/dom';
import { filesFromDrop, filesFromInput, type PickedFile } from './collect';
import { UploadSession } from './session';
import { UploadView } from './view';

function start(): void {
  const root = byId('upload', HTMLElement);
  const uploadUrl = root.dataset.uploadUrl ?? '/api/v1/uploads/';
  const studyListUrl = root.dataset.studyListUrl ?? '/';
  // The template renders the viewer URL for the placeholder UID "0"; swap in the real one.
  const viewerTemplate = root.dataset.viewerUrl ?? '/viewer/0/';
  const viewerUrl = (uid: string): string => viewerTemplate.replace(/\/0\/$/, `/${uid}/`);

  const view = new UploadView(studyListUrl, viewerUrl);
  const session = new UploadSession(uploadUrl, csrfToken(), view);
  const enqueue = (files: PickedFile[]): void => {
    if (files.length > 0) session.enqueue(files);
  };

  const fileInput = byId('file-input', HTMLInputElement);
  const folderInput = byId('folder-input', HTMLInputElement);
  for (const input of [fileInput, folderInput]) {
    input.addEventListener('change', () => {
      enqueue(filesFromInput(input));
      input.value = ''; // choosing the same folder again must fire 'change' again
    });
  }
  byId('choose-files', HTMLButtonElement).addEventListener('click', () => fileInput.click());
  byId('choose-folder', HTMLButtonElement).addEventListener('click', () => folderInput.click());

  const zone = byId('drop-zone', HTMLElement);
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('dragging');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('dragging');
    if (event.dataTransfer) {
      filesFromDrop(event.dataTransfer).then(enqueue, (error: unknown) =>
        view.showError(`The dropped items could not be read: ${String(error)}`),
      );
    }
  });
  // A drop that misses the zone must not make the browser open the file instead of the page.
  for (const type of ['dragover', 'drop'] as const) {
    window.addEventListener(type, (event) => event.preventDefault());
  }
  window.addEventListener('beforeunload', (event) => {
    if (session.running) event.preventDefault();
  });
}

start();
