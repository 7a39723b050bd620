// Blind transfer through Kamailio + rtpengine with three Chromium softphones (issue 15): A calls B, A
// presses Transfer and gives 102. A's pbx-adapter sends REFER in A's dialog (Refer-To 102); B's line
// (also ours) accepts it (202), NOTIFYs 100 Trying, sends a new INVITE to 102 with Referred-By carrying a
// new offer of B's own PBX leg, so B's softphone keeps its WebRTC session. C answers: B NOTIFYs 200 OK,
// A's call ends (cause redirected), B's call continues with C as its far end. B and C hear each other's
// tones; journal rows on all three lines. Before that, a transfer to a number that is no line fails
// (NOTIFY 404): A's Transfer shows the error and A and B go on talking. Then attended transfer: A presses
// Consult (B held), calls C, swaps to B and back (asnCtiSwapHold), completes (asnCtiMergeCalls: REFER in
// A's dialog with B, Refer-To 102?Replaces=<A's dialog with C>; B's INVITE with Replaces is taken by C's
// call, which BYEs A's consultation dialog). The scenarios live in support/transferFlows.ts (14 runs them
// with Direct Media).
import { test } from 'node:test';
import { ALICE, BOB, CAROL } from './support/E2eStack.ts';
import { enterNetworkNamespace } from './support/netns.ts';
import { stackWithUsers } from './support/stackWithUsers.ts';
import { attendedTransfer, blindTransfer, blindTransferThenHangUp } from './support/transferFlows.ts';

await enterNetworkNamespace();

const e2e = stackWithUsers({ scenario: '13-transfer', pbxMode: 'media-via-pbx', users: [ALICE, BOB, CAROL] });

test('blind transfer: A transfers B to C (REFER); B and C hear each other, A\'s call ends redirected, journal rows on 100, 101, 102', () => blindTransfer(e2e, 'pbx'));

test('attended transfer: A holds B, consults C, swaps twice, completes (REFER with Replaces); B and C hear each other, A\'s calls end', () => attendedTransfer(e2e, 'pbx'));

test('blind transfer and the transferor hangs up at once: B\'s call waits for C, then B and C talk', () => blindTransferThenHangUp(e2e));
