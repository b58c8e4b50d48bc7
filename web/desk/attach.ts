// Files an agent attaches: checked against the workspace's policy (the
// welcome's files) before a byte leaves, then sent each as its own
// message. Its own chunk, loaded with the first file, with the upload.
import { fileSize, refusal } from '../shared/files';
import type { DeskStore } from './store';

/** Why a file was not sent, as the reply box says it. */
const REFUSED = { too_large: 'larger than {size}', type: 'this kind of file is not accepted here', empty: 'the file is empty', off: 'files are turned off' };

export function attach(store: DeskStore, conversationId: string, files: File[]): void {
  store.fileNotice.value = '';
  for (const f of files) {
    const why = refusal(store.files.value, f);
    if (why) store.fileNotice.value = `${f.name}: ${REFUSED[why].replace('{size}', fileSize(store.files.value?.max_bytes ?? 0))}.`;
    else store.session.send(conversationId, f.name, f);
  }
}
