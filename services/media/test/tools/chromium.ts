// Launches the system Chromium for SDP captures and interop checks. Chromium must only run inside a
// network namespace with nothing but `lo` up: run the calling script through `netns.ts` (see below),
// which re-executes it under `unshare -n`.
import { chromium, type Browser } from 'playwright-core';
import { chromiumArgs, chromiumPath } from '@ucserver/testkit';

/** Refuses to start unless the process sees only the loopback interface (i.e. runs in its own netns). */
export async function launchChromium(): Promise<Browser> {
  const { networkInterfaces } = await import('node:os');
  const names = Object.keys(networkInterfaces());
  if (names.some((n) => n !== 'lo')) {
    throw new Error(`Chromium may only run in a network namespace with just 'lo' (found: ${names.join(', ')})`);
  }
  return chromium.launch({ executablePath: chromiumPath, args: [...chromiumArgs], headless: true });
}

/**
 * A blank page on http://127.0.0.1 (a secure context, so getUserMedia works); returns its URL and a
 * closer.
 */
export async function servePage(): Promise<{ url: string; close(): Promise<void> }> {
  const { createServer } = await import('node:http');
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>ucserver media</title>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return {
    url: `http://127.0.0.1:${address.port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
