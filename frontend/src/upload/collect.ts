/**
 * Turning what the user picked or dropped into a flat list of files with their relative paths.
 * Folders are walked recursively; zips are sent as they are (the server expands them).
 */

export interface PickedFile {
  file: File;
  /** Path relative to what the user picked, for display only ("MR/T1/IM0001.dcm"). */
  path: string;
}

export function filesFromInput(input: HTMLInputElement): PickedFile[] {
  return Array.from(input.files ?? [], (file) => ({
    file,
    path: file.webkitRelativePath || file.name,
  }));
}

/**
 * The entries must be taken from the DataTransfer synchronously, inside the drop handler: the
 * browser empties the list once the event has been dispatched. Walking them can then be async.
 */
export function filesFromDrop(transfer: DataTransfer): Promise<PickedFile[]> {
  const entries: FileSystemEntry[] = [];
  const loose: File[] = [];
  for (const item of Array.from(transfer.items)) {
    if (item.kind !== 'file') continue;
    const entry = item.webkitGetAsEntry();
    if (entry) {
      entries.push(entry);
    } else {
      const file = item.getAsFile();
      if (file) loose.push(file);
    }
  }
  if (entries.length === 0 && loose.length === 0) {
    // Browsers without DataTransferItem entries still fill transfer.files.
    loose.push(...Array.from(transfer.files));
  }
  return walkAll(entries).then((walked) => [
    ...walked,
    ...loose.map((file) => ({ file, path: file.name })),
  ]);
}

async function walkAll(entries: FileSystemEntry[]): Promise<PickedFile[]> {
  const nested = await Promise.all(entries.map((entry) => walk(entry)));
  return nested.flat();
}

async function walk(entry: FileSystemEntry): Promise<PickedFile[]> {
  const path = entry.fullPath.replace(/^\//, '') || entry.name;
  if (isFile(entry)) {
    const file = await new Promise<File>((resolve, reject) => entry.file(resolve, reject));
    return [{ file, path }];
  }
  if (isDirectory(entry)) {
    return walkAll(await readAllEntries(entry));
  }
  return [];
}

/** readEntries answers in chunks (100 at a time in Chromium) until it answers an empty list. */
async function readAllEntries(directory: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = directory.createReader();
  const all: FileSystemEntry[] = [];
  for (;;) {
    const chunk = await new Promise<FileSystemEntry[]>((resolve, reject) =>
      reader.readEntries(resolve, reject),
    );
    if (chunk.length === 0) return all;
    all.push(...chunk);
  }
}

function isFile(entry: FileSystemEntry): entry is FileSystemFileEntry {
  return entry.isFile;
}

function isDirectory(entry: FileSystemEntry): entry is FileSystemDirectoryEntry {
  return entry.isDirectory;
}
