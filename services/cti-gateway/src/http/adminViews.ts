// What the admin API answers about live things and the journal, as plain functions shared by the JSON
// routes, the CSV export and the console's event stream: one view of each, whatever carries it.
import type { z } from 'zod';
import type { MediaNodeInfo } from '@ucserver/shared';
import type { CallRow } from '@ucserver/shared/db';
import type { ActiveCall } from '../calls/CallRegistry.ts';
import type { LiveQuality } from '../calls/LiveQuality.ts';
import { mosEstimate } from '../calls/mos.ts';
import type { ActiveCallOut, JournalEntryOut, MediaNodeOut } from './adminSchemas.ts';

export function activeCallOut(c: ActiveCall, quality: LiveQuality, now = Date.now()): z.input<typeof ActiveCallOut> {
  const live = quality.get(c.callId);
  return {
    callId: c.callId,
    line: c.lineNumber,
    direction: c.direction,
    state: c.state,
    remoteNumber: c.remoteNumber,
    ...(c.remoteName ? { remoteName: c.remoteName } : {}),
    createdAt: new Date(c.createdAt).toISOString(),
    ...(c.connectedAt ? { connectedAt: new Date(c.connectedAt).toISOString() } : {}),
    ...(c.hold ? { hold: c.hold } : {}),
    ...(c.mediaNodeId ?? live?.nodeId ? { mediaNode: c.mediaNodeId ?? live?.nodeId } : {}),
    ...(c.mediaPath ?? live?.path ? { mediaPath: c.mediaPath ?? live?.path ?? undefined } : {}),
    durationS: Math.max(0, Math.floor(((c.disconnectedAt ?? now) - (c.connectedAt ?? c.createdAt)) / 1000)),
    ...(live ? { worker: live.worker } : {}),
    ...(live?.codec ? { codec: live.codec } : {}),
    ...(live ? { quality: { ...live.quality, mos: mosEstimate(live.quality), at: new Date(live.at).toISOString() } } : {}),
  };
}

/** The running calls (disconnected ones linger in the registry for late events; not listed). */
export function activeCallsOut(calls: Iterable<ActiveCall>, quality: LiveQuality): Array<z.input<typeof ActiveCallOut>> {
  const now = Date.now();
  return [...calls].filter((c) => c.state !== 'disconnected').map((c) => activeCallOut(c, quality, now));
}

export function mediaNodeOut(n: MediaNodeInfo, now = Date.now()): z.input<typeof MediaNodeOut> {
  const { nodeId, addresses, workers, workersAlive, calls, legs, load, draining } = n;
  return {
    nodeId, addresses, workers, workersAlive, calls, legs, load, draining,
    lastSeen: new Date(n.lastSeen).toISOString(),
    heartbeatAgeMs: Math.max(0, now - n.lastSeen),
    startedAt: new Date(n.startedAt).toISOString(),
    workerStats: n.workerStats ?? [],
  };
}

export function journalOut(c: CallRow): z.input<typeof JournalEntryOut> {
  const { lastSeq: _s, ownerUserId: _o, lineId: _l, ...rest } = c;
  return {
    ...rest,
    startedAt: c.startedAt.toISOString(),
    answeredAt: c.answeredAt?.toISOString() ?? null,
    endedAt: c.endedAt?.toISOString() ?? null,
  };
}

/** The journal columns of the CSV export, in order. */
const CSV_COLUMNS = ['callId', 'lineNumber', 'direction', 'remoteNumber', 'remoteName', 'startedAt', 'answeredAt', 'endedAt', 'durationS', 'disconnectCause', 'sipStatus', 'mediaPath', 'mediaNode'] as const;

/**
 * RFC 4180 CSV of journal rows (CRLF, quoted when needed). A cell starting with = + - @ gets a leading
 * apostrophe, so a spreadsheet never runs a remote party's name as a formula (CSV injection).
 */
export function journalCsv(rows: CallRow[]): string {
  const cell = (value: unknown): string => {
    if (value === null || value === undefined) return '';
    let text = value instanceof Date ? value.toISOString() : String(value);
    if (/^[=+\-@\t\r]/.test(text) && !/^-?\d+(\.\d+)?$/.test(text)) text = `'${text}`;
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of rows) lines.push(CSV_COLUMNS.map((c) => cell((r as Record<string, unknown>)[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
