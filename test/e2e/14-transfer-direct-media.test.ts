// Blind and attended transfer (support/transferFlows.ts) with Direct Media: Kamailio without rtpengine passes
// SDP through, so the transferee's new offer (its own PBX leg) reaches the target untouched and the media
// node links the softphone legs inside mediasoup; the journal records path direct.
import { test } from 'node:test';
import { ALICE, BOB, CAROL } from './support/E2eStack.ts';
import { enterNetworkNamespace } from './support/netns.ts';
import { stackWithUsers } from './support/stackWithUsers.ts';
import { attendedTransfer, blindTransfer } from './support/transferFlows.ts';

await enterNetworkNamespace();

const e2e = stackWithUsers({ scenario: '14-transfer-direct-media', pbxMode: 'direct-media', users: [ALICE, BOB, CAROL] });

test('blind transfer: A transfers B to C (REFER); B and C hear each other, A\'s call ends redirected, journal rows on 100, 101, 102', () => blindTransfer(e2e, 'direct'));

test('attended transfer: A holds B, consults C, swaps twice, completes (REFER with Replaces); B and C hear each other, A\'s calls end', () => attendedTransfer(e2e, 'direct'));
