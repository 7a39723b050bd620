// Fetches a capture the way the gateway does: the file through the node's capture.read command, in chunks.
import { writeFileSync } from 'node:fs';
import { CAPTURE_READ_MAX_BYTES } from '@ucserver/shared';
import type { Harness } from '../support/harness.ts';

/** Downloads a stopped capture to `path` in chunks. */
export async function download(h: Harness, captureId: string, path: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const { data, total } = await h.request('captureRead', { captureId, offset, length: CAPTURE_READ_MAX_BYTES });
    const chunk = Buffer.from(data, 'base64');
    chunks.push(chunk);
    offset += chunk.length;
    if (offset >= total || chunk.length === 0) break;
  }
  const file = Buffer.concat(chunks);
  writeFileSync(path, file);
  return file;
}
