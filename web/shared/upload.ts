// The upload of an attachment: XMLHttpRequest, because fetch cannot report
// an upload's progress.
import { CommandError, type Message } from './protocol';

/**
 * Sends file as the body of a POST to url and resolves with the stored
 * message. A refusal rejects with the server's code; retry is set for
 * what may succeed later (no connection, overload, the same upload still
 * being received).
 */
export function postFile(url: string, headers: Record<string, string>, file: Blob, onProgress: (fraction: number) => void): Promise<Message> {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open('POST', url);
    for (const [k, v] of Object.entries(headers)) x.setRequestHeader(k, v);
    x.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    x.onload = () => {
      let body: { error?: { code: string; message: string; field?: string } } & Partial<Message> = {};
      try {
        body = JSON.parse(x.responseText);
      } catch {
        // not JSON: a proxy's page
      }
      if (x.status >= 200 && x.status < 300 && body.seq) return resolve(body as Message);
      const code = body.error?.code ?? `http_${x.status}`;
      const retryAfterMs = (Number(x.getResponseHeader('Retry-After')) || 0) * 1000; // seconds; a date or nothing: the own backoff
      reject(new CommandError(code, body.error?.message ?? '', x.status >= 500 || x.status === 429 || code === 'upload_in_progress', body.error?.field, retryAfterMs));
    };
    x.onerror = x.ontimeout = () => reject(new CommandError('network', 'the upload did not get through', true));
    x.send(file);
  });
}
