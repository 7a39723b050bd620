// Test processes run in parallel and PlainTransports bind with SO_REUSEADDR (for the SSRC learner), so
// two media apps in different processes must never share a port range. Each app takes a window of the
// range 20000-31999 (below the kernel's ephemeral ports) through an O_EXCL lock file.
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const first = 20_000;
const size = 400;
const windows = 30;
const held = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    // ESRCH: no such process, the lock is stale.
    return false;
  }
}

/** Reserves a port window for this process; `release()` frees it (also freed when the process exits). */
export function reservePortWindow(): { min: number; max: number; release(): void } {
  for (let i = 0; i < windows; i++) {
    const file = join(tmpdir(), `ucs-media-test-ports-${i}.lock`);
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
    } catch {
      let owner = Number.NaN;
      try {
        owner = Number(readFileSync(file, 'utf8'));
      } catch {
        // The file vanished between open and read; try the next window.
      }
      if (owner === process.pid || (Number.isInteger(owner) && alive(owner))) continue;
      try {
        unlinkSync(file);
      } catch {
        // Another process took over the stale lock first.
      }
      i -= 1;
      continue;
    }
    held.add(file);
    const release = (): void => {
      if (!held.delete(file)) return;
      try {
        unlinkSync(file);
      } catch {
        // Already removed.
      }
    };
    return { min: first + i * size, max: first + (i + 1) * size - 1, release };
  }
  throw new Error('no free test port window');
}

process.once('exit', () => {
  for (const file of held) {
    try {
      unlinkSync(file);
    } catch {
      // Already removed.
    }
  }
});
