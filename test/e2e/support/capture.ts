// Call capture through the admin API as an admin would use it, and the checks of a downloaded file:
// its RTP streams (tshark rtp,streams) against the media node's own counters, the signalling (sip,stat),
// and the tone each direction carries, decoded from the file.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CaptureInfo } from '@ucserver/shared';
import { check, decodeOpus, decodePcma, decodePcmu, dominantFrequency, rtpPayloads, rtpStreams, type RtpStreamRow } from '@ucserver/testkit';
import type { E2eStack, E2eUser } from './E2eStack.ts';

/**
 * How far a stream's packets in the file may differ from the node's counters: at its end the node reads
 * its counters, then the capture's consumers close, and what the worker forwards in between is in the
 * file only; at its start a Producer created while the capture runs (the call was ringing) is consumed
 * by the capture one event-loop turn later, so its first packet may be counted by the node only. At
 * 20 ms per packet either is 0–2 packets.
 */
export const IN_FLIGHT_TOLERANCE = 5;

export interface RawResponse {
  status: number;
  body: Buffer;
  json<T = unknown>(): T;
}

/** An admin API request as the admin token, or as `user` with Basic credentials; any status. */
export async function adminRequest(stack: E2eStack, method: string, path: string, options: { body?: unknown; user?: E2eUser } = {}): Promise<RawResponse> {
  const authorization = options.user
    ? `Basic ${Buffer.from(`${options.user.login}:${options.user.password}`).toString('base64')}`
    : `Bearer ${stack.adminToken}`;
  const res = await fetch(`${stack.gatewayUrl}${path}`, {
    method,
    headers: { authorization, ...(options.body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(15_000),
  });
  const body = Buffer.from(await res.arrayBuffer());
  return { status: res.status, body, json: <T>() => JSON.parse(body.toString('utf8')) as T };
}

/** The call's capture once it stopped (on request or because the call ended). */
export function stoppedCapture(stack: E2eStack, callId: string, ms = 15_000): Promise<CaptureInfo> {
  return check(async () => (await stack.admin<CaptureInfo[]>('GET', `/api/v1/captures?callId=${encodeURIComponent(callId)}`)).find((c) => c.state !== 'running'), ms, { name: `capture of call ${callId} stopped (GET /api/v1/captures)`, intervalMs: 200 });
}

/** Downloads the call's capture to `path` (GET /calls/{id}/capture.pcapng). */
export async function downloadCapture(stack: E2eStack, callId: string, path: string): Promise<Buffer> {
  const res = await adminRequest(stack, 'GET', `/api/v1/calls/${encodeURIComponent(callId)}/capture.pcapng`);
  assert.equal(res.status, 200, `download: ${res.body.toString('utf8').slice(0, 300)}`);
  writeFileSync(path, res.body);
  return res.body;
}

/**
 * Every stream of `keys` (`<interface>/<in|out>`) is in the file, found by the UDP ports the capture
 * reports for it, with no loss and the node's packet count (plus at most IN_FLIGHT_TOLERANCE).
 */
export function assertStreamsMatch(streams: RtpStreamRow[], info: CaptureInfo, keys: string[]): Map<string, RtpStreamRow> {
  const node = info.nodePackets;
  assert.ok(node, `the capture has the node's counters: ${JSON.stringify(info)}`);
  const found = new Map<string, RtpStreamRow>();
  for (const key of keys) {
    const endpoints = info.endpoints[key];
    assert.ok(endpoints, `the capture wrote ${key}: ${JSON.stringify(info.endpoints)}`);
    const srcPort = endpoints.src.port;
    const dstPort = endpoints.dst.port;
    const row = streams.find((s) => s.srcPort === srcPort && s.dstPort === dstPort);
    assert.ok(row, `stream ${key} (${srcPort} → ${dstPort}) in rtp,streams: ${JSON.stringify(streams)}`);
    assert.equal(row.lost, 0, `no loss in ${key}: ${JSON.stringify(row)}`);
    const counted = node[key];
    assert.ok(counted !== undefined && counted > 50, `the node counted ${key}: ${JSON.stringify(node)}`);
    assert.ok(Math.abs(row.packets - counted) <= IN_FLIGHT_TOLERANCE, `${key}: ${row.packets} packets in the file, ${counted} counted by the node (tolerance ±${IN_FLIGHT_TOLERANCE})`);
    found.set(key, row);
  }
  return found;
}

/** The dominant one of `candidates` in a stream's decoded audio (PCMU, PCMA or opus from the file). */
export async function toneOf(path: string, row: RtpStreamRow, candidates: number[]): Promise<{ frequency: number; power: number }> {
  const payloads = await rtpPayloads(path, row);
  assert.ok(payloads.length > 50, `payloads of ${JSON.stringify(row)}`);
  const pcm = row.payload === 'g711U' ? { samples: decodePcmu(Buffer.concat(payloads)), rate: 8000 }
    : row.payload === 'g711A' ? { samples: decodePcma(Buffer.concat(payloads)), rate: 8000 }
      : { samples: await decodeOpus(payloads), rate: 48_000 };
  // The first half second may hold the start of the microphone and the decoder: the rest carries the tone.
  const settled = pcm.samples.subarray(Math.min(pcm.samples.length >> 1, pcm.rate / 2));
  const { frequency, power } = dominantFrequency(settled, candidates, pcm.rate);
  return { frequency, power };
}

const ADMIN_CLI = fileURLToPath(new URL('../../../services/cti-gateway/src/cli/admin.ts', import.meta.url));

/** `npm run admin -- <args>` against the stack's gateway with its admin token. */
export function adminCli(stack: E2eStack, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--conditions=ucs-source', ADMIN_CLI, ...args], {
      env: { PATH: process.env.PATH, UCS_ADMIN_URL: stack.gatewayUrl, UCS_ADMIN_TOKEN: stack.adminToken },
      timeout: 60_000,
    }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

export { rtpStreams };
