// Three-party conference through Kamailio + rtpengine with three Chromium softphones (issue 15): A calls
// B, presses Consult (B held), calls C, then presses Conference on the held call: asnCtiConference
// retrieves B's call toward the PBX and the media node mixes A's softphone leg of the call with C and
// the far ends of both calls (opus decoded, mixed N-1, encoded back per leg). Each of A, B and C hears
// the two other tones (440, 1000, 700 Hz) and not its own. Then C hangs up: the mix dissolves, A's call
// with B is bridged two-party again and A and B still hear each other. The scenario lives in
// support/conferenceFlows.ts (18 runs it with Direct Media).
import { test } from 'node:test';
import { threePartyConference } from './support/conferenceFlows.ts';
import { ALICE, BOB, CAROL } from './support/E2eStack.ts';
import { enterNetworkNamespace } from './support/netns.ts';
import { stackWithUsers } from './support/stackWithUsers.ts';

await enterNetworkNamespace();

const e2e = stackWithUsers({ scenario: '17-conference', pbxMode: 'media-via-pbx', users: [ALICE, BOB, CAROL] });

test('conference: A holds B, calls C, conferences; each hears the two others and not itself; C leaves, A and B still talk', () => threePartyConference(e2e, 'pbx'));
