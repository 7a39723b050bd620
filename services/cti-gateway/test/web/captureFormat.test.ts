// The admin console's capture glue without the DOM (web/src/admin/captureFormat.ts): the state texts a
// live call's row and the Captures page show, which capture a call's download delivers (the API's
// GET /calls/{id}/capture.pcapng: the newest one not running), and the sentences for refusals.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CAPTURE_STATUS } from '../../src/http/captureApi.ts';
import { bytesText, captureErrorText, captureStateText, downloadable, newestByCall, nodeWords, type Capture } from '../../web/src/admin/captureFormat.ts';

const cap = (captureId: string, callId: string, state: Capture['state'], extra: Partial<Capture> = {}): Capture => ({
  captureId, callId, nodeId: 'media-1', state, stopReason: state === 'running' ? null : 'requested', error: null, startedBy: 'root',
  startedAt: 1_000, stoppedAt: state === 'running' ? null : 2_000, maxSeconds: 600, maxBytes: 50 << 20, bytes: 0, packets: 0, ...extra,
});

describe('console capture glue', () => {
  it('sizes in B, kB and MB', () => {
    assert.equal(bytesText(0), '0 B');
    assert.equal(bytesText(1023), '1023 B');
    assert.equal(bytesText(64_772), '63.3 kB');
    assert.equal(bytesText(3 * 1024 * 1024), '3.0 MB');
  });

  it('state texts: running with its size, stopped with why (unless on request), failed with the error', () => {
    assert.equal(captureStateText(cap('a', 'c1', 'running', { bytes: 1300 })), 'running · 1.3 kB');
    assert.equal(captureStateText(cap('a', 'c1', 'stopped', { bytes: 2048 })), 'stopped · 2.0 kB');
    assert.equal(captureStateText(cap('a', 'c1', 'stopped', { bytes: 2048, stopReason: 'size-limit' })), 'stopped · 2.0 kB (size limit reached)');
    assert.equal(captureStateText(cap('a', 'c1', 'stopped', { stopReason: 'call-ended' })), 'stopped · 0 B (call ended)');
    assert.equal(captureStateText(cap('a', 'c1', 'failed', { error: 'ENOSPC' })), 'failed: ENOSPC');
  });

  it('a call row shows its newest capture; the download is the newest stopped one per call', () => {
    // newest first, as GET /captures answers
    const list = [cap('r1', 'c1', 'running'), cap('s2', 'c1', 'stopped'), cap('s1', 'c1', 'stopped'), cap('f3', 'c2', 'failed'), cap('s4', 'c3', 'stopped')];
    const newest = newestByCall(list);
    assert.deepEqual([...newest].map(([call, c]) => `${call}:${c.captureId}`), ['c1:r1', 'c2:f3', 'c3:s4']);
    assert.deepEqual([...downloadable(list)].sort(), ['f3', 's2', 's4']);
  });

  it('the media node\'s words without the relay prefix and the bracketed context', () => {
    assert.equal(nodeWords('media node capture.start failed: UCS_ERR_MEDIA_CAPTURE_TOO_MANY: 4 captures run on media-1 (CAPTURE_MAX_CONCURRENT 4) [callId:c1] [callId:c1, nodeId:media-1]'), '4 captures run on media-1 (CAPTURE_MAX_CONCURRENT 4)');
    assert.equal(nodeWords('the capture of call c1 is still running; stop it first'), 'the capture of call c1 is still running; stop it first');
  });

  it('each refusal status of the capture API has a clear sentence', () => {
    assert.match(captureErrorText('start', 409, 'media node capture.start failed: UCS_ERR_MEDIA_CAPTURE_RUNNING: a capture of this call is running already [callId:c1]'), /^A capture of this call is already running: stop it first/);
    assert.match(captureErrorText('download', 409, 'still running; stop it first'), /^Not possible now: still running/);
    assert.match(captureErrorText('start', 413, 'too large'), /too large for the media node's limit/);
    assert.match(captureErrorText('start', 429, 'too many'), /^Too many captures are running on the media node; stop one first/);
    assert.match(captureErrorText('stop', 404, 'running capture of call x'), /^Not found: running capture/);
    assert.match(captureErrorText('start', 503, 'no bus'), /no bus connection/);
    assert.match(captureErrorText('delete', 500, 'boom'), /^Capture delete failed: boom$/);
    // every status the API maps a media node's refusal to has its own sentence (not the generic one)
    for (const status of new Set(Object.values(CAPTURE_STATUS))) assert.doesNotMatch(captureErrorText('start', status, 'x'), /^Capture start failed/, `status ${status}`);
  });
});
